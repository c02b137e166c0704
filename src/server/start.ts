// Starts a composed governance server: the API, the metrics endpoint and the dashboard, each on its port; if
// one cannot listen, everything already opened is closed before the error is thrown. Shuts down cleanly.
import { flushTracing } from "../tracing/index.ts";
import { pino, type Logger } from "pino";
import { buildDashboard } from "../dashboard/index.ts";
import { Drain, serveMetrics } from "../http/index.ts";
import { buildApp, type App } from "./app.ts";
import { composeServer, type DevSetup } from "./compose.ts";
import { ConfigError, missingForProduction, type ServerConfig } from "./config.ts";
import type { ServerContext } from "./context.ts";

export { EXAMPLES_DIR, type DevSetup } from "./compose.ts";

export function createLogger(level: ServerConfig["logLevel"]): Logger {
  return pino({
    level,
    redact: {
      paths: [
        "req.headers.authorization",
        'req.headers["x-api-key"]',
        "req.headers.cookie",
        "*.apiKey",
        "*.privateKey",
        "*.signature",
        "attestation.signature",
      ],
      censor: "[redacted]",
    },
  });
}

export interface RunningServer {
  readonly url: string;
  readonly metricsUrl: string;
  /** The dashboard's URL, or undefined when DASHBOARD_ENABLED=false. */
  readonly dashboardUrl: string | undefined;
  readonly app: App;
  readonly context: ServerContext;
  /** Stops accepting, finishes in-flight requests, flushes events, closes pools; idempotent. */
  close(): Promise<void>;
  /** Keeps serving for `ms` while readiness fails and every response closes its connection (then close()). */
  drain(ms: number): Promise<void>;
}

function address(server: App["server"], fallbackHost: string): string {
  const a = server.address();
  return typeof a === "object" && a
    ? `http://${a.family === "IPv6" ? `[${a.address}]` : a.address === "0.0.0.0" ? fallbackHost : a.address}:${String(a.port)}`
    : "";
}

/** Starts a server; `dev` switches to embedded defaults. Throws ConfigError naming what is missing or wrong. */
export async function startServer(
  config: ServerConfig,
  options: {
    dev?: DevSetup;
    logger?: Logger;
    /** False in a cluster worker: the primary serves the workers' metrics together. */
    serveMetrics?: boolean;
    /** Defaults to DASHBOARD_ENABLED; in a cluster only one worker serves it (sessions live in its memory). */
    serveDashboard?: boolean;
  } = {},
): Promise<RunningServer> {
  const logger = options.logger ?? createLogger(config.logLevel);
  if (!options.dev) {
    const missing = missingForProduction(config);
    if (missing.length > 0)
      throw new ConfigError(`parmana server cannot start without: ${missing.join("; ")}`);
  }
  const { context, resources } = await composeServer(config, logger, options.dev);
  const inUse =
    (variable: string, port: number) =>
    (error: unknown): never => {
      const code = (error as { code?: unknown }).code;
      if (code === "EADDRINUSE" || code === "EACCES") {
        throw new ConfigError(
          `${variable}: cannot listen on ${config.host}:${String(port)} (${code}); choose another port`,
        );
      }
      throw error;
    };
  return resources.guard(async () => {
    const drain = new Drain();
    const app = resources.add("API", await buildApp(context, { logger, drain }), (a) => a.close());
    await app.listen({ host: config.host, port: config.port }).catch(inUse("PORT", config.port));
    const metricsServer =
      options.serveMetrics === false
        ? undefined
        : resources.add(
            "metrics endpoint",
            await serveMetrics(context.metrics.registry, config.host, config.metricsPort).catch(
              inUse("METRICS_PORT", config.metricsPort),
            ),
            (m) => m.close(),
          );
    const dashboard =
      (options.serveDashboard ?? config.dashboardEnabled)
        ? resources.add(
            "dashboard",
            await buildDashboard({ api: app, logger, requestTimeoutMs: config.requestTimeoutMs }),
            (d) => d.close(),
          )
        : undefined;
    await dashboard
      ?.listen({ host: config.host, port: config.dashboardPort })
      .catch(inUse("DASHBOARD_PORT", config.dashboardPort));
    return {
      url: address(app.server, "127.0.0.1"),
      metricsUrl: metricsServer?.url ?? "",
      dashboardUrl: dashboard ? address(dashboard.server, "127.0.0.1") : undefined,
      app,
      context,
      close: () => resources.close(),
      drain: async (ms: number) => {
        drain.begin();
        if (ms > 0) await new Promise((resolve) => setTimeout(resolve, ms));
      },
    };
  });
}

/**
 * SIGTERM: drain for `drainMs` (keep serving, not ready, connections closing), then stop accepting, finish
 * in-flight requests, flush, exit; a hard stop `graceMs` after the drain. SIGINT (a person at a terminal) skips
 * the drain.
 */
export function exitOnSignals(
  server: RunningServer,
  timing: { graceMs: number; drainMs: number },
  logger: Logger,
): void {
  const stop = (signal: string): void => {
    const drainMs = signal === "SIGTERM" ? timing.drainMs : 0;
    logger.info({ signal, drainMs }, "shutting down");
    setTimeout(() => {
      logger.error("graceful shutdown took too long; exiting");
      process.exit(1);
    }, drainMs + timing.graceMs).unref();
    server
      .drain(drainMs)
      .then(() => server.close())
      .then(() => flushTracing())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: error }, "error during shutdown");
          process.exit(1);
        },
      );
  };
  process.once("SIGTERM", () => {
    stop("SIGTERM");
  });
  process.once("SIGINT", () => {
    stop("SIGINT");
  });
}
