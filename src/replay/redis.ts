// The production replay store: one Lua script per transition, each on a single key (Redis Cluster-safe),
// atomic on the server, guarded by the token returned at reservation. Unreachable Redis fails closed.
import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import {
  DEFAULT_REPLAY_TIMINGS,
  ReplayState,
  ReplayStoreUnavailableError,
  type Reservation,
  type ReplayStore,
  type ReplayTimings,
} from "./store.ts";

// KEYS[1] = key; ARGV = fingerprint, token, now, reserved TTL (ms).
const RESERVE = `
local state = redis.call('HGET', KEYS[1], 'state')
if state and state ~= 'FAILED' then
  return {state, redis.call('HGET', KEYS[1], 'fingerprint')}
end
redis.call('HSET', KEYS[1], 'state', 'RESERVED', 'fingerprint', ARGV[1], 'token', ARGV[2], 'updated_at', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return {'OK', ARGV[1]}
`;

// KEYS[1] = key; ARGV = expected state, token ('' = any), new state, now, TTL in ms ('' = none).
const TRANSITION = `
if redis.call('HGET', KEYS[1], 'state') ~= ARGV[1] then return 0 end
if ARGV[2] ~= '' and redis.call('HGET', KEYS[1], 'token') ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], 'state', ARGV[3], 'updated_at', ARGV[4])
if ARGV[5] == '' then redis.call('PERSIST', KEYS[1]) else redis.call('PEXPIRE', KEYS[1], ARGV[5]) end
return 1
`;

interface ReplayCommands {
  parmanaReplayReserve(
    key: string,
    fingerprint: string,
    token: string,
    now: string,
    ttl: number,
  ): Promise<[string, string]>;
  parmanaReplayTransition(
    key: string,
    from: string,
    token: string,
    to: string,
    now: string,
    ttl: string,
  ): Promise<number>;
}

export class RedisReplayStore implements ReplayStore {
  readonly kind = "redis" as const;
  readonly #redis: Redis & ReplayCommands;
  readonly #timings: ReplayTimings;
  readonly #prefix: string;

  /** `redis` should fail fast (enableOfflineQueue false, a command timeout): this store fails closed. */
  constructor(redis: Redis, timings: ReplayTimings = DEFAULT_REPLAY_TIMINGS, prefix = "parmana:replay:") {
    redis.defineCommand("parmanaReplayReserve", { numberOfKeys: 1, lua: RESERVE });
    redis.defineCommand("parmanaReplayTransition", { numberOfKeys: 1, lua: TRANSITION });
    this.#redis = redis as Redis & ReplayCommands;
    this.#timings = timings;
    this.#prefix = prefix;
  }

  #key(executionId: string): string {
    return this.#prefix + executionId;
  }

  async #call<T>(what: string, command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (error) {
      throw new ReplayStoreUnavailableError(`replay store (Redis) failed to ${what}`, { cause: error });
    }
  }

  async reserve(executionId: string, fingerprint: string): Promise<Reservation> {
    const token = randomUUID();
    const [state, existing] = await this.#call("reserve", () =>
      this.#redis.parmanaReplayReserve(
        this.#key(executionId),
        fingerprint,
        token,
        new Date().toISOString(),
        this.#timings.reservedTtlMs,
      ),
    );
    if (state === "OK") return { outcome: "reserved", token };
    if (state === ReplayState.reserved) return { outcome: "in_flight", fingerprint: existing };
    return { outcome: "consumed", state: state as ReplayState, fingerprint: existing };
  }

  async #transition(
    executionId: string,
    from: ReplayState,
    token: string,
    to: ReplayState,
    ttlMs: number | undefined,
  ): Promise<boolean> {
    const done = await this.#call("update a reservation", () =>
      this.#redis.parmanaReplayTransition(
        this.#key(executionId),
        from,
        token,
        to,
        new Date().toISOString(),
        ttlMs === undefined ? "" : String(ttlMs),
      ),
    );
    return done === 1;
  }

  complete(executionId: string, token: string, state: "CONFIRMED" | "PENDING_OVERRIDE"): Promise<boolean> {
    return this.#transition(executionId, ReplayState.reserved, token, state, this.#timings.consumedTtlMs);
  }

  fail(executionId: string, token: string): Promise<boolean> {
    return this.#transition(
      executionId,
      ReplayState.reserved,
      token,
      ReplayState.failed,
      this.#timings.failedTtlMs,
    );
  }

  resolveOverride(executionId: string): Promise<boolean> {
    return this.#transition(
      executionId,
      ReplayState.pendingOverride,
      "",
      ReplayState.overridden,
      this.#timings.consumedTtlMs,
    );
  }

  async state(executionId: string): Promise<ReplayState | undefined> {
    const state = await this.#call("read a reservation", () =>
      this.#redis.hget(this.#key(executionId), "state"),
    );
    return (state ?? undefined) as ReplayState | undefined;
  }

  async ping(): Promise<boolean> {
    try {
      await this.#redis.ping();
      return true;
    } catch {
      return false;
    }
  }

  /** The Redis connection belongs to whoever passed it in (it is shared with the rate limiter). */
  close(): Promise<void> {
    return Promise.resolve();
  }
}
