// PARMANA_WORKERS > 1: the API served by several processes (node:cluster) to use more cores. Nothing that the
// guarantees rest on is per process — replay reservations and rate limits are in Redis, the audit trail and
// the outbox in Postgres (migrations are safe when workers start together) — so workers are interchangeable.
// The primary restarts a worker that dies, serves every worker's metrics together (prom-client's
// AggregatorRegistry) on METRICS_PORT, and stops them all on SIGTERM. The dashboard runs in worker 0 only: its
// sessions live in that process's memory.
import cluster, { type Worker } from "node:cluster";
import { AggregatorRegistry } from "prom-client";
import type { Logger } from "pino";
import type { ServerConfig } from "./config.ts";
import { serveMetrics } from "../http/index.ts";
import { exitOnSignals, startServer } from "./start.ts";

/** Read back by the worker's configuration (ServerConfig.workerIndex). */
const WORKER_INDEX = "PARMANA_WORKER_INDEX";

export function isClusterWorker(): boolean {
  return cluster.isWorker;
}

/** In a worker: one API server without its own metrics port; worker 0 also serves the dashboard. */
export async function runWorker(config: ServerConfig, logger: Logger): Promise<void> {
  const index = config.workerIndex;
  const server = await startServer(config, {
    logger,
    serveMetrics: false,
    serveDashboard: config.dashboardEnabled && index === 0,
  });
  // Constructing one installs prom-client's worker-side listener; setRegistries says what to answer with.
  new AggregatorRegistry();
  AggregatorRegistry.setRegistries([server.context.metrics.registry]);
  logger.info({ url: server.url, worker: index, dashboard: server.dashboardUrl }, "parmana worker listening");
  process.send?.({ parmana: "listening", url: server.url });
  exitOnSignals(server, { graceMs: config.shutdownGraceMs, drainMs: config.shutdownDrainMs }, logger);
}

/** In the primary: forks the workers, keeps them running, serves their metrics; resolves once all listen. */
export async function runPrimary(
  config: ServerConfig,
  logger: Logger,
): Promise<{ url: string; metricsUrl: string }> {
  const aggregator = new AggregatorRegistry();
  const metrics = await serveMetrics(
    { metrics: () => aggregator.clusterMetrics(), contentType: aggregator.contentType },
    config.host,
    config.metricsPort,
  );
  let stopping = false;
  const indexOf = new Map<Worker, number>();
  const fork = (index: number): Worker => {
    const worker = cluster.fork({ [WORKER_INDEX]: String(index) });
    indexOf.set(worker, index);
    return worker;
  };
  cluster.on("exit", (worker, code, signal) => {
    const index = indexOf.get(worker) ?? 0;
    indexOf.delete(worker);
    if (stopping) return;
    logger.error({ worker: index, code, signal }, "a worker died; starting another");
    fork(index);
  });
  const listening = Array.from(
    { length: config.workers },
    (_, i) =>
      new Promise<string>((resolve, reject) => {
        const worker = fork(i);
        worker.on("message", (message: { parmana?: string; url?: string }) => {
          if (message.parmana === "listening" && message.url !== undefined) resolve(message.url);
        });
        worker.once("exit", (code) => {
          reject(new Error(`worker ${String(i)} exited with ${String(code)} before listening`));
        });
      }),
  );
  const urls = await Promise.all(listening);
  const stop = (signal: "SIGTERM" | "SIGINT"): void => {
    stopping = true;
    logger.info({ signal }, "stopping the workers");
    for (const worker of indexOf.keys()) worker.process.kill(signal);
    const done = (): void => {
      if (indexOf.size === 0) void metrics.close().then(() => process.exit(0));
    };
    cluster.on("exit", done);
    done();
    const drainMs = signal === "SIGTERM" ? config.shutdownDrainMs : 0;
    setTimeout(() => process.exit(1), drainMs + config.shutdownGraceMs + 2_000).unref();
  };
  process.once("SIGTERM", () => {
    stop("SIGTERM");
  });
  process.once("SIGINT", () => {
    stop("SIGINT");
  });
  return { url: urls[0] ?? "", metricsUrl: metrics.url };
}
