// The work queue, as client-go's: keys (namespace/name) are de-duplicated while queued; a key is never
// reconciled by two workers at once (an add during its reconcile queues it again afterwards); several keys run
// in parallel up to `concurrency`; a failed key is retried after an exponential per-key delay (5 ms → 5 min)
// that is also held to an overall rate (token bucket, 10/s with a burst of 100); success forgets the key. A
// StalledError is not retried (the next change queues the key); a WaitingError looks again after its delay,
// without backoff (errors.ts).
import { inSpan } from "../../tracing/index.ts";
import { systemClock, type Clock } from "../../util/clock.ts";
import { outcomeOf, WaitingError, type ReconcileOutcome } from "./errors.ts";

export interface ReconcileResult {
  /** Look again after this long even if nothing changes (e.g. waiting for a rollout). */
  readonly requeueAfterMs?: number;
}

export interface QueueObserver {
  added?(queue: string): void;
  depth?(queue: string, depth: number): void;
  retried?(queue: string): void;
  reconciled?(queue: string, result: ReconcileOutcome, seconds: number): void;
  failed?(queue: string, key: string, error: unknown): void;
}

export interface WorkQueueOptions {
  readonly name: string;
  readonly concurrency: number;
  readonly reconcile: (key: string) => Promise<ReconcileResult | undefined>;
  readonly observer?: QueueObserver;
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  readonly retriesPerSecond?: number;
  readonly retryBurst?: number;
  /** Where the queue reads the time and waits (tests pass a manual one). */
  readonly clock?: Clock;
}

export class WorkQueue {
  readonly #options: WorkQueueOptions;
  readonly #queue: string[] = [];
  readonly #queued = new Set<string>();
  readonly #processing = new Set<string>();
  readonly #dirty = new Set<string>();
  readonly #failures = new Map<string, number>();
  /** Keys waiting for an addAfter delay. */
  readonly #delayed = new Set<string>();
  readonly #stop = new AbortController();
  readonly #waiters: (() => void)[] = [];
  #stopped = false;
  #tokens: number;
  #tokensAt: number;

  readonly #clock: Clock;

  constructor(options: WorkQueueOptions) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#tokens = options.retryBurst ?? 100;
    this.#tokensAt = this.#clock.now();
  }

  get depth(): number {
    return this.#queue.length;
  }

  add(key: string): void {
    if (this.#stopped) return;
    this.#options.observer?.added?.(this.#options.name);
    if (this.#processing.has(key)) {
      this.#dirty.add(key);
      return;
    }
    if (this.#queued.has(key)) return;
    this.#queued.add(key);
    this.#queue.push(key);
    this.#options.observer?.depth?.(this.#options.name, this.#queue.length);
    this.#waiters.shift()?.();
  }

  /** Adds `key` after `ms`; an earlier pending addAfter for the key wins. */
  addAfter(key: string, ms: number): void {
    if (this.#stopped) return;
    if (ms <= 0) {
      this.add(key);
      return;
    }
    if (this.#delayed.has(key)) return;
    this.#delayed.add(key);
    void this.#clock.delay(ms, this.#stop.signal).then(() => {
      this.#delayed.delete(key);
      this.add(key);
    });
  }

  /** The per-key exponential delay, held to the overall token bucket. */
  #retryDelay(key: string): number {
    const failures = (this.#failures.get(key) ?? 0) + 1;
    this.#failures.set(key, failures);
    const base = this.#options.baseDelayMs ?? 5;
    const perKey = Math.min(base * 2 ** (failures - 1), this.#options.maxDelayMs ?? 300_000);
    const rate = this.#options.retriesPerSecond ?? 10;
    const now = this.#clock.now();
    this.#tokens = Math.min(
      this.#options.retryBurst ?? 100,
      this.#tokens + ((now - this.#tokensAt) / 1000) * rate,
    );
    this.#tokensAt = now;
    this.#tokens -= 1;
    const bucket = this.#tokens >= 0 ? 0 : (-this.#tokens / rate) * 1000;
    return Math.max(perKey, bucket);
  }

  async #next(): Promise<string | undefined> {
    while (!this.#stopped) {
      const key = this.#queue.shift();
      if (key !== undefined) {
        this.#queued.delete(key);
        this.#options.observer?.depth?.(this.#options.name, this.#queue.length);
        return key;
      }
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
    return undefined;
  }

  /** Stalled: forget the key until something queues it; waiting: look again later; else back off and retry. */
  #afterFailure(key: string, error: unknown, seconds: number): void {
    const outcome = outcomeOf(error);
    this.#options.observer?.reconciled?.(this.#options.name, outcome, seconds);
    this.#options.observer?.failed?.(this.#options.name, key, error);
    if (outcome === "error") {
      this.#options.observer?.retried?.(this.#options.name);
      this.addAfter(key, this.#retryDelay(key));
      return;
    }
    this.#failures.delete(key);
    if (error instanceof WaitingError) this.addAfter(key, error.afterMs);
  }

  async #work(key: string): Promise<void> {
    this.#processing.add(key);
    const started = performance.now();
    try {
      const result = await inSpan(
        `parmana.reconcile ${this.#options.name}`,
        () => this.#options.reconcile(key),
        {
          "parmana.controller": this.#options.name,
          "parmana.key": key,
        },
      );
      this.#failures.delete(key);
      const seconds = (performance.now() - started) / 1000;
      if (result?.requeueAfterMs !== undefined) {
        this.#options.observer?.reconciled?.(this.#options.name, "requeue", seconds);
        this.addAfter(key, result.requeueAfterMs);
      } else {
        this.#options.observer?.reconciled?.(this.#options.name, "success", seconds);
      }
    } catch (error) {
      this.#afterFailure(key, error, (performance.now() - started) / 1000);
    } finally {
      this.#processing.delete(key);
      if (this.#dirty.delete(key)) this.add(key);
    }
  }

  /** Runs `concurrency` workers until stop(); resolves when they have finished their current keys. */
  async run(): Promise<void> {
    const worker = async (): Promise<void> => {
      for (;;) {
        const key = await this.#next();
        if (key === undefined) return;
        await this.#work(key);
      }
    };
    await Promise.all(Array.from({ length: this.#options.concurrency }, worker));
  }

  stop(): void {
    this.#stopped = true;
    this.#stop.abort();
    this.#delayed.clear();
    // Wake every idle worker so that it sees the stop.
    for (const wake of this.#waiters.splice(0)) wake();
  }
}
