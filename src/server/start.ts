// Composes a running governance server from its configuration: production (`parmana server`: Redis, Postgres,
// files for keys and bundles, refusing to start without any of them) or development (`parmana dev`: embedded
// PGlite, in-memory replay, generated keys, the example bundle). Listens, serves metrics, shuts down cleanly.
import { createServer, type Server } from "node:http";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { buildDashboard } from "../dashboard/server.ts";
import { Redis } from "ioredis";
import { pino, type Logger } from "pino";
import { generateSigningKeyPair, parseSigningKey, type SigningKey } from "../crypto/index.ts";
import { loadTrustDirectory, type TrustSet } from "../bundle/index.ts";
import { MemoryReplayStore, RedisReplayStore, type ReplayStore } from "../replay/index.ts";
import { AuditStore, connectPostgres, migrate, openPglite, type SqlClient } from "../audit/index.ts";
import { SecurityEventBus, SecurityEventType, type SecurityEventSink } from "../events/index.ts";
import { ApiKeyRing, loadApiKeyFile, type KeyFileWatch } from "./api-keys.ts";
import { buildApp, type App } from "./app.ts";
import { BundleRegistry, watchBundles, type BundleFailure, type BundleWatch } from "./bundle-registry.ts";
import { ConfigError, missingForProduction, type ServerConfig } from "./config.ts";
import type { ServerContext } from "./context.ts";
import { createServerMetrics, type ServerMetrics } from "./metrics.ts";
import { runtimeIdentity } from "./runtime.ts";
import { ApiAccessLog } from "./access-log.ts";
import {
  KafkaSink,
  OtlpSink,
  OutboxRelay,
  outboxBacklog,
  type ExportConfig,
  type ExportSink,
} from "../export/index.ts";
import { registerOutboxGauges } from "./metrics.ts";
import { hostname } from "node:os";

/** Where the example bundle and its (example-only) key live, in a checkout and in the installed package. */
export const EXAMPLES_DIR = fileURLToPath(new URL("../../deploy/examples/", import.meta.url));

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
}

interface Resources {
  bundleWatch?: BundleWatch;
  redis?: Redis;
  sql?: SqlClient;
  keyWatch?: KeyFileWatch;
  relay?: OutboxRelay;
}

function eventSink(audit: AuditStore | undefined, logger: Logger): SecurityEventSink {
  if (audit) return { name: "audit", write: (events) => audit.appendSecurityEvents(events) };
  return {
    name: "log",
    write: (events) => {
      for (const e of events) logger.warn({ securityEvent: e }, `security event ${e.event_type}`);
      return Promise.resolve();
    },
  };
}

function eventBus(metrics: ServerMetrics, audit: AuditStore | undefined, logger: Logger): SecurityEventBus {
  return new SecurityEventBus({
    source: { component: "server", instance: process.env["HOSTNAME"] ?? hostname() },
    sinks: [eventSink(audit, logger)],
    observer: {
      raised: (type, severity, n) => {
        metrics.securityEvents.inc({ event_type: type, severity }, n);
      },
      dropped: (n, reason) => {
        metrics.eventsDropped.inc({ reason }, n);
        logger.error({ dropped: n, reason }, "security events dropped");
      },
      sinkFailed: (sink, error) => {
        logger.warn({ sink, err: error }, "security event sink failed; events stay spooled");
      },
    },
  });
}

async function connectRedis(url: string): Promise<Redis> {
  const redis = new Redis(url, {
    lazyConnect: true,
    // Fail fast rather than queue: the replay store must fail closed, not wait.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: 2_000,
    connectTimeout: 3_000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
    // Commands issued in the same tick (many requests' reservations) share one write to the socket.
    enableAutoPipelining: true,
  });
  redis.on("error", () => undefined); // reconnects on its own; failures surface as command errors
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    redis.disconnect();
    throw new ConfigError(
      `REDIS_URL: cannot reach Redis (${error instanceof Error ? error.message : String(error)})`,
    );
  }
  return redis;
}

async function loadSigner(config: ServerConfig): Promise<SigningKey> {
  if (config.signingKeyPem) return parseSigningKey(config.signingKeyPem, "PARMANA_SIGNING_PRIVATE_KEY");
  const path = config.signingKeyPath ?? "";
  const pem = await readFile(path).catch(() => {
    throw new ConfigError(`PARMANA_SIGNING_PRIVATE_KEY_PATH: cannot read ${path}`);
  });
  return parseSigningKey(pem, path);
}

async function openAudit(
  config: ServerConfig,
  resources: Resources,
  dev: boolean,
): Promise<AuditStore | undefined> {
  if (config.auditDatabaseUrl) resources.sql = connectPostgres({ connectionString: config.auditDatabaseUrl });
  else if (dev) resources.sql = await openPglite();
  else return undefined;
  try {
    await migrate(resources.sql);
  } catch (error) {
    throw new ConfigError(
      `AUDIT_DATABASE_URL: cannot migrate the audit database (${error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error)})`,
    );
  }
  return new AuditStore(resources.sql);
}

export interface DevSetup {
  /** The API key to accept (scopes: all). */
  readonly apiKey: string;
}

interface Composition {
  readonly context: ServerContext;
  readonly resources: Resources;
  readonly logger: Logger;
}

function raiseBundleFailures(
  events: SecurityEventBus,
  failures: readonly BundleFailure[],
  stage: "load" | "reload",
): void {
  for (const failure of failures)
    events.raise({
      type: SecurityEventType.invalidPolicy,
      message: `bundle ${failure.policyId} ${failure.policyVersion} failed verification at ${stage}: ${failure.message}`,
      policy: { policyId: failure.policyId, policyVersion: failure.policyVersion },
      details: { reason: failure.reason, stage, message: failure.message.slice(0, 500) },
    });
}

async function compose(
  config: ServerConfig,
  logger: Logger,
  dev: DevSetup | undefined,
): Promise<Composition> {
  const resources: Resources = {};
  const metrics = createServerMetrics();
  const signer = dev ? parseSigningKey(generateSigningKeyPair().privateKeyPem) : await loadSigner(config);
  const trust: TrustSet = await loadTrustDirectory(config.trustedKeysDir ?? `${EXAMPLES_DIR}keys`);
  const policiesRoot = config.policiesRoot ?? `${EXAMPLES_DIR}policies`;
  const bundles = new BundleRegistry(policiesRoot, trust);
  const report = await bundles.load();
  if (!dev && report.active === 0) {
    throw new ConfigError(
      `PARMANA_POLICIES_ROOT: no bundle under ${config.policiesRoot ?? ""} verifies against PARMANA_TRUSTED_KEYS_DIR (${report.failures.map((f) => `${f.policyId} ${f.policyVersion}: ${f.reason}`).join("; ") || "no bundles found"})`,
    );
  }
  let replay: ReplayStore;
  if (config.redisUrl) {
    resources.redis = await connectRedis(config.redisUrl);
    replay = new RedisReplayStore(resources.redis);
  } else {
    replay = new MemoryReplayStore();
  }
  const audit = await openAudit(config, resources, dev !== undefined);
  const events = eventBus(metrics, audit, logger);
  raiseBundleFailures(events, report.failures, "load");
  resources.bundleWatch = watchBundles(bundles, policiesRoot, config.bundleRecheckMs, (outcome) => {
    if (outcome instanceof Error) {
      logger.error({ err: outcome }, "bundles could not be re-verified; the previous set stays");
      return;
    }
    for (const f of outcome.newFailures)
      logger.error({ bundle: `${f.policyId} ${f.policyVersion}`, reason: f.reason }, "bundle refused");
    if (outcome.changed) logger.info({ active: outcome.active }, "verified bundle set changed");
    raiseBundleFailures(events, outcome.newFailures, "reload");
  });
  let keys: ApiKeyRing;
  if (dev) {
    keys = ApiKeyRing.fromPlainKeys([{ id: "dev", key: dev.apiKey, scopes: ["admin"] }]);
  } else {
    const loaded = await loadApiKeyFile(config.apiKeysFile ?? "", (outcome) => {
      if (outcome.ok) logger.info({ keys: outcome.count }, "API keys reloaded");
      else
        logger.error(
          { error: outcome.error },
          "API keys file changed but is invalid; keeping the previous keys",
        );
    });
    keys = loaded.ring;
    resources.keyWatch = loaded.watch;
  }
  startExport(config.export, resources, metrics, logger);
  const accessLog = audit
    ? new ApiAccessLog(audit, (n) => {
        metrics.eventsDropped.inc({ reason: "api access log full" }, n);
      })
    : undefined;
  const context: ServerContext = {
    config,
    bundles,
    replay,
    audit,
    events,
    keys,
    signer,
    runtime: await runtimeIdentity(),
    metrics,
    redis: resources.redis,
    accessLog,
  };
  return { context, resources, logger };
}

/** Starts the outbox relay for the configured sinks; export needs the audit database (the outbox lives there). */
function startExport(
  config: ExportConfig,
  resources: Resources,
  metrics: ServerMetrics,
  logger: Logger,
): void {
  const sinks: ExportSink[] = [];
  if (config.kafka) sinks.push(new KafkaSink(config.kafka));
  if (config.otlp) sinks.push(new OtlpSink(config.otlp));
  if (sinks.length === 0) return;
  const db = resources.sql;
  if (!db) {
    const key = config.kafka ? "PARMANA_EXPORT_KAFKA_BROKERS" : "PARMANA_EXPORT_OTLP";
    throw new ConfigError(`${key}: export needs AUDIT_DATABASE_URL (the outbox is in the audit database)`);
  }
  resources.relay = new OutboxRelay({
    db,
    sinks,
    batchSize: config.relayBatchSize,
    idleMs: config.relayIdleMs,
    retainDeliveredMs: config.outboxRetentionMs,
    observer: {
      delivered: (sink, n) => {
        metrics.exportDelivered.inc({ sink }, n);
      },
      failed: (sink, error) => {
        metrics.exportFailures.inc({ sink });
        logger.warn({ sink, err: error }, "export delivery failed; will retry");
      },
    },
  });
  registerOutboxGauges(
    metrics,
    sinks.map((s) => s.name),
    (sink) => outboxBacklog(db, sink),
  );
  resources.relay.start();
}

/** GET /metrics from `render` (one registry, or a cluster's aggregate). */
export function serveMetrics(
  metrics: { registry: { metrics(): Promise<string>; contentType: string } },
  host: string,
  port: number,
): Promise<Server> {
  const server = createServer((request, response) => {
    if (request.url !== "/metrics") {
      response.writeHead(404).end();
      return;
    }
    metrics.registry
      .metrics()
      .then((text) => response.writeHead(200, { "content-type": metrics.registry.contentType }).end(text))
      .catch(() => response.writeHead(500).end());
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      resolve(server);
    });
  });
}

function address(server: Server, fallbackHost: string): string {
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
  const { context, resources } = await compose(config, logger, options.dev);
  const app = await buildApp(context, { logger });
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
  await app.listen({ host: config.host, port: config.port }).catch(inUse("PORT", config.port));
  const metricsServer =
    options.serveMetrics === false
      ? undefined
      : await serveMetrics(context.metrics, config.host, config.metricsPort).catch(
          inUse("METRICS_PORT", config.metricsPort),
        );
  const dashboard =
    (options.serveDashboard ?? config.dashboardEnabled)
      ? await buildDashboard({ api: app, logger, requestTimeoutMs: config.requestTimeoutMs })
      : undefined;
  await dashboard
    ?.listen({ host: config.host, port: config.dashboardPort })
    .catch(inUse("DASHBOARD_PORT", config.dashboardPort));
  const url = address(app.server, "127.0.0.1");
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      await dashboard?.close();
      await app.close();
      await new Promise<void>((resolve) => {
        if (metricsServer)
          metricsServer.close(() => {
            resolve();
          });
        else resolve();
      });
      resources.keyWatch?.stop();
      resources.bundleWatch?.stop();
      await context.events.close();
      await resources.relay?.stop();
      await context.accessLog?.close();
      await context.replay.close();
      resources.redis?.disconnect();
      await resources.sql?.close();
    })();
    return closing;
  };
  return {
    url,
    metricsUrl: metricsServer ? `${address(metricsServer, "127.0.0.1")}/metrics` : "",
    dashboardUrl: dashboard ? address(dashboard.server, "127.0.0.1") : undefined,
    app,
    context,
    close,
  };
}

/** SIGTERM/SIGINT: stop accepting, finish in-flight requests, flush, exit; a hard stop after the grace period. */
export function exitOnSignals(server: RunningServer, graceMs: number, logger: Logger): void {
  const stop = (signal: string): void => {
    logger.info({ signal }, "shutting down");
    setTimeout(() => {
      logger.error("graceful shutdown took too long; exiting");
      process.exit(1);
    }, graceMs).unref();
    server.close().then(
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
