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

/**
 * A caller's request budget, counted in the same step as the reservation (one round trip): a fixed window of
 * `windowMs` holding at most `max` requests, under `key` — the rate limiter's own counter key, so that both count
 * into one budget.
 */
export interface RateBudget {
  readonly key: string;
  readonly max: number;
  readonly windowMs: number;
}

/** The budget after this request: requests counted in the window, and when it ends. */
export interface RateCount {
  readonly count: number;
  readonly max: number;
  readonly resetInMs: number;
}

export type Reservation = (
  | { readonly outcome: "reserved"; readonly token: string }
  /** Already CONFIRMED, PENDING_OVERRIDE or OVERRIDDEN: a replay. */
  | { readonly outcome: "consumed"; readonly state: ReplayState; readonly fingerprint: string }
  /** A live RESERVED by another request. */
  | { readonly outcome: "in_flight"; readonly fingerprint: string }
  /** Over the budget: nothing was reserved or looked at. */
  | { readonly outcome: "rate_limited" }
) & {
  /** The budget, when one was given. */
  readonly rate?: RateCount;
};

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
  /** With `budget`, the request is counted first, in the same atomic step; over it, nothing is reserved. */
  reserve(executionId: string, fingerprint: string, budget?: RateBudget): Promise<Reservation>;
  /** Counts a request into `budget` alone (one the reservation never saw); absent: budgets are not kept here. */
  count?(budget: RateBudget): Promise<RateCount>;
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
