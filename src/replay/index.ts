// Replay protection: an executionId is consumed at most once. Redis in production; memory for dev.
export {
  ReplayState,
  ReplayStoreUnavailableError,
  DEFAULT_REPLAY_TIMINGS,
  type Reservation,
  type ReplayStore,
  type ReplayTimings,
} from "./store.ts";
export { RedisReplayStore } from "./redis.ts";
export { MemoryReplayStore } from "./memory.ts";
