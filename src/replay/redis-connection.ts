// The replay store's Redis connection for a RedisTarget, through ioredis's own clients: Redis for one server,
// Redis with `sentinels` for a Sentinel-managed primary (it asks the sentinels where the primary is, and
// reconnects to the new one on a failover), Cluster for Redis Cluster. Every form fails fast instead of
// queueing: the replay store must fail closed, not wait.
import { readFileSync } from "node:fs";
import { Cluster, Redis, type RedisOptions } from "ioredis";
import type { RedisTarget } from "./redis-target.ts";

export type ReplayRedis = Redis | Cluster;

export interface RedisConnectionOptions {
  /** The sentinels' own password, when they have one (REDIS_SENTINEL_PASSWORD). */
  readonly sentinelPassword?: string | undefined;
  /** A PEM file of the CA that signed the servers' (and sentinels') certificates (REDIS_TLS_CA_FILE). */
  readonly tlsCaFile?: string | undefined;
}

const FAIL_FAST = {
  lazyConnect: true,
  enableOfflineQueue: false,
  maxRetriesPerRequest: 1,
  commandTimeout: 2_000,
  connectTimeout: 3_000,
  retryStrategy: (attempt: number) => Math.min(attempt * 200, 2_000),
  // Commands issued in the same tick (many requests' reservations) share one write to the socket.
  enableAutoPipelining: true,
} satisfies RedisOptions;

/** The client for `target`, not yet connected (call connect()). */
export function createReplayRedis(target: RedisTarget, options: RedisConnectionOptions = {}): ReplayRedis {
  const ca = options.tlsCaFile === undefined ? undefined : readFileSync(options.tlsCaFile);
  const tls = target.tls ? { ...(ca && { ca }) } : undefined;
  const auth = {
    ...(target.username !== undefined && { username: target.username }),
    ...(target.password !== undefined && { password: target.password }),
  };
  switch (target.kind) {
    case "single":
      return new Redis(target.url, { ...FAIL_FAST, ...(ca && target.tls && { tls: { ca } }) });
    case "sentinel":
      return new Redis({
        ...FAIL_FAST,
        ...auth,
        sentinels: target.sentinels.map((n) => ({ host: n.host, port: n.port })),
        name: target.name,
        db: target.db,
        ...(options.sentinelPassword !== undefined && { sentinelPassword: options.sentinelPassword }),
        ...(tls && { tls, enableTLSForSentinelMode: true, sentinelTLS: tls }),
        // Not failoverDetector: its +switch-master handler, arriving while the client is still connecting,
        // ends the client for good (ioredis 6.0.0; seen in the failover test). A killed primary's connection
        // fails at once anyway, and the client then asks the sentinels where the primary is.
        sentinelRetryStrategy: (attempt: number) => Math.min(attempt * 200, 2_000),
      });
    case "cluster":
      return new Cluster(
        target.nodes.map((n) => ({ host: n.host, port: n.port })),
        {
          lazyConnect: true,
          enableOfflineQueue: false,
          enableAutoPipelining: true,
          scaleReads: "master",
          clusterRetryStrategy: (attempt: number) => Math.min(attempt * 200, 2_000),
          retryDelayOnFailover: 200,
          retryDelayOnClusterDown: 200,
          slotsRefreshTimeout: 2_000,
          redisOptions: {
            ...auth,
            maxRetriesPerRequest: 1,
            commandTimeout: 2_000,
            connectTimeout: 3_000,
            ...(tls && { tls }),
          },
        },
      );
  }
}

/**
 * Keeps `redis` connected: should ioredis ever give up (status "end") other than through `stop()`, it is
 * connected again after a short delay — a replay store that stays down after its Redis came back would be an
 * outage no failover test may leave behind. Returns `stop`, to call before disconnecting on purpose.
 */
export function keepConnected(redis: ReplayRedis, onRevive?: () => void): () => void {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const revive = (): void => {
    if (stopped || timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      if (stopped) return;
      onRevive?.();
      redis.connect().catch(() => {
        revive();
      });
    }, 500);
    timer.unref();
  };
  redis.on("end", revive);
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    redis.off("end", revive);
  };
}
