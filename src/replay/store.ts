// The replay protocol: each executionId is consumed at most once. A reservation returns a token; only the
// holder of that token can move the reservation on. States and TTLs are fixed by shared/spec/bundles.md.

export const ReplayState = {
  reserved: "RESERVED",
  confirmed: "CONFIRMED",
  pendingOverride: "PENDING_OVERRIDE",
  overridden: "OVERRIDDEN",
  failed: "FAILED",
} as const;
export type ReplayState = (typeof ReplayState)[keyof typeof ReplayState];

export type Reservation =
  | { readonly outcome: "reserved"; readonly token: string }
  /** Already CONFIRMED, PENDING_OVERRIDE or OVERRIDDEN: a replay. */
  | { readonly outcome: "consumed"; readonly state: ReplayState; readonly fingerprint: string }
  /** A live RESERVED by another request. */
  | { readonly outcome: "in_flight"; readonly fingerprint: string };

export interface ReplayTimings {
  /** How long a reservation lives before it may be taken again (default 300 s). */
  readonly reservedTtlMs: number;
  /** How long a FAILED record blocks before the id may be retried (default 30 s). */
  readonly failedTtlMs: number;
  /** Retention of consumed ids; undefined keeps them forever (the default). */
  readonly consumedTtlMs?: number;
}

export const DEFAULT_REPLAY_TIMINGS: ReplayTimings = { reservedTtlMs: 300_000, failedTtlMs: 30_000 };

/** The replay store could not be reached or did not answer: callers fail closed. */
export class ReplayStoreUnavailableError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ReplayStoreUnavailableError";
  }
}

export interface ReplayStore {
  readonly kind: "redis" | "memory";
  reserve(executionId: string, fingerprint: string): Promise<Reservation>;
  /** RESERVED → CONFIRMED or PENDING_OVERRIDE; false when the token no longer holds the reservation. */
  complete(executionId: string, token: string, state: "CONFIRMED" | "PENDING_OVERRIDE"): Promise<boolean>;
  /** RESERVED → FAILED (short TTL, so the caller may retry). */
  fail(executionId: string, token: string): Promise<boolean>;
  /** PENDING_OVERRIDE → OVERRIDDEN; false when the id is not pending an override. */
  resolveOverride(executionId: string): Promise<boolean>;
  state(executionId: string): Promise<ReplayState | undefined>;
  /** Whether the store answers now (for readiness). */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}
