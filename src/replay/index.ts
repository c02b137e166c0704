// Replay protection: an executionId is consumed at most once. Redis in production (one server, Sentinel or
// Cluster); memory for dev.
export {
  ReplayState,
  ReplayStoreUnavailableError,
  DEFAULT_REPLAY_TIMINGS,
  type RateBudget,
  type RateCount,
  type Reservation,
  type ReplayStore,
  type ReplayTimings,
} from "./store.ts";
export { RedisReplayStore, type ReplicaDurability } from "./redis.ts";
export { parseRedisUrl, RedisUrlError, type RedisNode, type RedisTarget } from "./redis-target.ts";
export {
  createReplayRedis,
  keepConnected,
  type ReplayRedis,
  type RedisConnectionOptions,
} from "./redis-connection.ts";
export { MemoryReplayStore } from "./memory.ts";
