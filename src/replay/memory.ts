// The in-memory replay store for `parmana dev` and tests of logic: the same semantics as Redis, in one
// process only, so it must never serve production.
import { randomUUID } from "node:crypto";
import {
  DEFAULT_REPLAY_TIMINGS,
  ReplayState,
  type RateBudget,
  type RateCount,
  type Reservation,
  type ReplayStore,
  type ReplayTimings,
} from "./store.ts";

interface Entry {
  state: ReplayState;
  fingerprint: string;
  token: string;
  expiresAt: number | undefined;
}

export class MemoryReplayStore implements ReplayStore {
  readonly kind = "memory" as const;
  readonly #entries = new Map<string, Entry>();
  readonly #budgets = new Map<string, { count: number; endsAt: number }>();
  readonly #timings: ReplayTimings;
  readonly #now: () => number;

  constructor(timings: ReplayTimings = DEFAULT_REPLAY_TIMINGS, now: () => number = Date.now) {
    this.#timings = timings;
    this.#now = now;
  }

  #live(executionId: string): Entry | undefined {
    const entry = this.#entries.get(executionId);
    if (entry?.expiresAt !== undefined && entry.expiresAt <= this.#now()) {
      this.#entries.delete(executionId);
      return undefined;
    }
    return entry;
  }

  #expiry(ttlMs: number | undefined): number | undefined {
    return ttlMs === undefined ? undefined : this.#now() + ttlMs;
  }

  count(budget: RateBudget): Promise<RateCount> {
    const now = this.#now();
    let window = this.#budgets.get(budget.key);
    if (!window || window.endsAt <= now) {
      window = { count: 0, endsAt: now + budget.windowMs };
      this.#budgets.set(budget.key, window);
    }
    window.count += 1;
    return Promise.resolve({ count: window.count, max: budget.max, resetInMs: window.endsAt - now });
  }

  async reserve(executionId: string, fingerprint: string, budget?: RateBudget): Promise<Reservation> {
    if (!budget) return this.#reserve(executionId, fingerprint);
    const rate = await this.count(budget);
    if (rate.count > budget.max) return { outcome: "rate_limited", rate };
    return { ...(await this.#reserve(executionId, fingerprint)), rate };
  }

  #reserve(executionId: string, fingerprint: string): Promise<Reservation> {
    const entry = this.#live(executionId);
    if (entry && entry.state !== ReplayState.failed) {
      return Promise.resolve(
        entry.state === ReplayState.reserved
          ? { outcome: "in_flight", fingerprint: entry.fingerprint }
          : { outcome: "consumed", state: entry.state, fingerprint: entry.fingerprint },
      );
    }
    const token = randomUUID();
    this.#entries.set(executionId, {
      state: ReplayState.reserved,
      fingerprint,
      token,
      expiresAt: this.#expiry(this.#timings.reservedTtlMs),
    });
    return Promise.resolve({ outcome: "reserved", token });
  }

  #transition(
    executionId: string,
    token: string | undefined,
    from: ReplayState,
    to: ReplayState,
    ttlMs: number | undefined,
  ): boolean {
    const entry = this.#live(executionId);
    if (entry?.state !== from || (token !== undefined && entry.token !== token)) return false;
    entry.state = to;
    entry.expiresAt = this.#expiry(ttlMs);
    return true;
  }

  complete(executionId: string, token: string, state: "CONFIRMED" | "PENDING_OVERRIDE"): Promise<boolean> {
    return Promise.resolve(
      this.#transition(executionId, token, ReplayState.reserved, state, this.#timings.consumedTtlMs),
    );
  }

  fail(executionId: string, token: string): Promise<boolean> {
    return Promise.resolve(
      this.#transition(
        executionId,
        token,
        ReplayState.reserved,
        ReplayState.failed,
        this.#timings.failedTtlMs,
      ),
    );
  }

  resolveOverride(executionId: string): Promise<boolean> {
    return Promise.resolve(
      this.#transition(
        executionId,
        undefined,
        ReplayState.pendingOverride,
        ReplayState.overridden,
        this.#timings.consumedTtlMs,
      ),
    );
  }

  state(executionId: string): Promise<ReplayState | undefined> {
    return Promise.resolve(this.#live(executionId)?.state);
  }

  ping(): Promise<boolean> {
    return Promise.resolve(true);
  }

  close(): Promise<void> {
    this.#entries.clear();
    return Promise.resolve();
  }
}
