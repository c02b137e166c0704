// What a reconcile that did not finish tells the work queue, as Flux's controllers distinguish it:
// - StalledError: nothing will change by trying again (a missing Secret, no verifiable bundle); the key is not
//   retried — the next change to the object or to what it references queues it again.
// - WaitingError: not done yet, and that is expected (a rollout in progress); look again after a delay, with
//   no backoff and without counting as an error.
// - anything else is transient (the API server hiccuped, a conflict): retried with per-key exponential backoff.
// The queue reports each as its own result (controller_runtime_reconcile_total{result=stalled|waiting|error}).

export class StalledError extends Error {
  readonly reason: string;
  constructor(reason: string, message: string) {
    super(message);
    this.name = "StalledError";
    this.reason = reason;
  }
}

export class WaitingError extends Error {
  readonly reason: string;
  readonly afterMs: number;
  constructor(reason: string, message: string, afterMs: number) {
    super(message);
    this.name = "WaitingError";
    this.reason = reason;
    this.afterMs = afterMs;
  }
}

export type ReconcileOutcome = "success" | "requeue" | "stalled" | "waiting" | "error";

/** How the queue treats a reconcile that threw `error`. */
export function outcomeOf(error: unknown): "stalled" | "waiting" | "error" {
  if (error instanceof StalledError) return "stalled";
  if (error instanceof WaitingError) return "waiting";
  return "error";
}
