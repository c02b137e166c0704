// The production replay store: one Lua script per transition, each on a single key (so on one slot of a Redis
// Cluster), atomic on the server, guarded by the token returned at reservation. Unreachable Redis fails closed.
// With replicas (Sentinel, Cluster), a reservation and a confirmation are durable only once `minReplicas`
// replicas have them: each is sent with a WAIT in the same pipeline, and one not acknowledged in time fails
// closed — replication is asynchronous, and a write acknowledged by a primary that dies before a replica has it
// is lost on failover.
import { randomUUID } from "node:crypto";
import { Cluster, type ChainableCommander } from "ioredis";
import type { ReplayRedis } from "./redis-connection.ts";
import {
  DEFAULT_REPLAY_TIMINGS,
  ReplayState,
  ReplayStoreUnavailableError,
  type RateBudget,
  type RateCount,
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

// Counts a request into the fixed window at KEYS[n] (ARGV[w] = the window in ms): the rate limiter's own
// arithmetic (INCR; the first request of a window sets its expiry), so both count into one budget.
const COUNT = (n: number, w: number): string => `
local count = redis.call('INCR', KEYS[${String(n)}])
local ttl = redis.call('PTTL', KEYS[${String(n)}])
if count == 1 or ttl < 0 then
  redis.call('PEXPIRE', KEYS[${String(n)}], ARGV[${String(w)}])
  ttl = tonumber(ARGV[${String(w)}])
end
`;

// KEYS[1] = key, KEYS[2] = the caller's budget; ARGV = fingerprint, token, now, reserved TTL (ms), max, window
// (ms). The request is counted first; over the budget nothing else happens. One round trip for both.
const RESERVE_COUNTED = `${COUNT(2, 6)}
if count > tonumber(ARGV[5]) then return {'LIMITED', '', count, ttl} end
local state = redis.call('HGET', KEYS[1], 'state')
if state and state ~= 'FAILED' then
  return {state, redis.call('HGET', KEYS[1], 'fingerprint'), count, ttl}
end
redis.call('HSET', KEYS[1], 'state', 'RESERVED', 'fingerprint', ARGV[1], 'token', ARGV[2], 'updated_at', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return {'OK', ARGV[1], count, ttl}
`;

// KEYS[1] = the budget; ARGV = window (ms).
const COUNT_ONLY = `${COUNT(1, 1)}
return {count, ttl}
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
  parmanaReplayReserveCounted(
    key: string,
    budgetKey: string,
    fingerprint: string,
    token: string,
    now: string,
    ttl: number,
    max: number,
    windowMs: number,
  ): Promise<[string, string, number, number]>;
  parmanaRateCount(budgetKey: string, windowMs: number): Promise<[number, number]>;
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

/** How many replicas must hold a transition before it counts, and how long to wait for them. */
export interface ReplicaDurability {
  readonly minReplicas: number;
  readonly waitMs: number;
}

type ScriptName = "parmanaReplayReserve" | "parmanaReplayReserveCounted" | "parmanaReplayTransition";

/** One script call, to run directly or in a pipeline. */
type Script = {
  [N in ScriptName]: { readonly name: N; readonly args: Parameters<ReplayCommands[N]> };
}[ScriptName];

type Pipelined = ChainableCommander & {
  [N in ScriptName]: (...args: Parameters<ReplayCommands[N]>) => Pipelined;
};

export class RedisReplayStore implements ReplayStore {
  readonly kind = "redis" as const;
  readonly #redis: ReplayRedis & ReplayCommands;
  readonly #timings: ReplayTimings;
  readonly #prefix: string;
  readonly #durability: ReplicaDurability;
  /** Whether a budget is counted in the reservation's own script (not on a Cluster). */
  readonly #counted: boolean;

  /** `redis` should fail fast (enableOfflineQueue false, a command timeout): this store fails closed. */
  constructor(
    redis: ReplayRedis,
    timings: ReplayTimings = DEFAULT_REPLAY_TIMINGS,
    prefix = "parmana:replay:",
    durability: ReplicaDurability = { minReplicas: 0, waitMs: 0 },
  ) {
    redis.defineCommand("parmanaReplayReserve", { numberOfKeys: 1, lua: RESERVE });
    redis.defineCommand("parmanaReplayReserveCounted", { numberOfKeys: 2, lua: RESERVE_COUNTED });
    redis.defineCommand("parmanaRateCount", { numberOfKeys: 1, lua: COUNT_ONLY });
    // A script's keys must share a Cluster slot: there the budget is counted in a round trip of its own.
    this.#counted = !(redis instanceof Cluster);
    redis.defineCommand("parmanaReplayTransition", { numberOfKeys: 1, lua: TRANSITION });
    this.#redis = redis as ReplayRedis & ReplayCommands;
    this.#timings = timings;
    this.#prefix = prefix;
    this.#durability = durability;
  }

  #direct(script: Script): Promise<unknown> {
    const redis = this.#redis as unknown as Record<ScriptName, (...args: unknown[]) => Promise<unknown>>;
    return redis[script.name](...script.args);
  }

  /**
   * Runs one script; when replicas are required, followed by WAIT in the same pipeline (so on the same
   * connection, to the primary that holds the key). Returns its reply and whether enough replicas have it.
   */
  async #durable(script: Script, durable = true): Promise<{ reply: unknown; replicated: boolean }> {
    const { minReplicas, waitMs } = this.#durability;
    if (minReplicas === 0 || !durable) return { reply: await this.#direct(script), replicated: true };
    const pipeline = this.#redis.pipeline() as Pipelined;
    const queued = (pipeline[script.name] as (...args: unknown[]) => Pipelined).apply(pipeline, script.args);
    const results = await queued.wait(minReplicas, waitMs).exec();
    const [[error, reply] = [new Error("the pipeline was not run"), null], [waitError, acked] = [null, 0]] =
      results ?? [];
    if (error) throw error;
    if (waitError) throw waitError;
    return { reply, replicated: Number(acked) >= minReplicas };
  }

  #notReplicated(what: string): ReplayStoreUnavailableError {
    const { minReplicas, waitMs } = this.#durability;
    return new ReplayStoreUnavailableError(
      `replay store (Redis): the ${what} reached fewer than ${String(minReplicas)} replica(s) within ${String(waitMs)} ms`,
    );
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

  async count(budget: RateBudget): Promise<RateCount> {
    const [count, ttl] = await this.#call("count a request", () =>
      this.#redis.parmanaRateCount(budget.key, budget.windowMs),
    );
    return { count, max: budget.max, resetInMs: ttl };
  }

  async reserve(executionId: string, fingerprint: string, budget?: RateBudget): Promise<Reservation> {
    if (budget && !this.#counted) {
      // On a Cluster the budget lives on another shard: counted first, in its own round trip, and — as the rate
      // limiter does (skipOnError) — not in the way when its shard does not answer; the reservation still is.
      const rate = await this.count(budget).catch(() => undefined);
      if (rate && rate.count > budget.max) return { outcome: "rate_limited", rate };
      return { ...(await this.#reserve(executionId, fingerprint, undefined)), ...(rate && { rate }) };
    }
    return this.#reserve(executionId, fingerprint, budget);
  }

  async #reserve(
    executionId: string,
    fingerprint: string,
    budget: RateBudget | undefined,
  ): Promise<Reservation> {
    const token = randomUUID();
    const now = new Date().toISOString();
    const key = this.#key(executionId);
    const ttl = this.#timings.reservedTtlMs;
    const script: Script = budget
      ? {
          name: "parmanaReplayReserveCounted",
          args: [key, budget.key, fingerprint, token, now, ttl, budget.max, budget.windowMs],
        }
      : { name: "parmanaReplayReserve", args: [key, fingerprint, token, now, ttl] };
    const { reply, replicated } = await this.#call("reserve", () => this.#durable(script));
    const [state, existing, count, resetInMs] = reply as [string, string, number?, number?];
    const rate =
      budget && count !== undefined && resetInMs !== undefined
        ? { rate: { count, max: budget.max, resetInMs } }
        : {};
    if (state === "LIMITED") return { outcome: "rate_limited", ...rate };
    return { ...(await this.#reservation(executionId, token, state, existing, replicated)), ...rate };
  }

  async #reservation(
    executionId: string,
    token: string,
    state: string,
    existing: string,
    replicated: boolean,
  ): Promise<Reservation> {
    if (state === "OK" && !replicated) {
      // Not durable: give the id back (where the primary still answers) and refuse.
      await this.fail(executionId, token).catch(() => false);
      throw this.#notReplicated("reservation");
    }
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
    const script: Script = {
      name: "parmanaReplayTransition",
      args: [
        this.#key(executionId),
        from,
        token,
        to,
        new Date().toISOString(),
        ttlMs === undefined ? "" : String(ttlMs),
      ],
    };
    // A FAILED record only shortens a wait; the states that consume an id must be durable.
    const { reply, replicated } = await this.#call("update a reservation", () =>
      this.#durable(script, to !== ReplayState.failed),
    );
    if (reply === 1 && !replicated) throw this.#notReplicated(`${to} transition`);
    return reply === 1;
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
