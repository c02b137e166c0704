// Composes a governance server's context from its configuration: production (Redis, Postgres, files for keys
// and bundles, refusing to start without any of them) or development (embedded PGlite, in-memory replay, a
// generated key, the example bundle). Everything opened goes on a ResourceStack, closed in reverse order on
// shutdown — and at once if a later step fails.
import { ShadowLog } from "./shadow-log.ts";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import type { Logger } from "pino";
import {
  AuditStore,
  DecisionMerkleLog,
  connectPostgres,
  migrate,
  openPglite,
  startPartitionMaintenance,
  type SqlClient,
  MigrationPrivilegeError,
} from "../audit/index.ts";
import { systemClock as utilClock } from "../util/clock.ts";
import { loadTrustDirectory } from "../bundle/index.ts";
import { generateSigningKeyPair, parseSigningKey, type SigningKey } from "../crypto/index.ts";
import { BatchingIssuer, systemClock, type AttestationIssuer } from "../decisions/index.ts";
import { SecurityEventBus, SecurityEventType, type SecurityEventSink } from "../events/index.ts";
import {
  DecisionSelection,
  KafkaSink,
  OtlpSink,
  OutboxRelay,
  outboxBacklog,
  type DecisionSink,
  type ExportSink,
} from "../export/index.ts";
import { DECISION_RECORDS, SECURITY_EVENTS } from "../outbox/index.ts";
import {
  DEFAULT_REPLAY_TIMINGS,
  MemoryReplayStore,
  RedisReplayStore,
  createReplayRedis,
  keepConnected,
  type ReplayRedis,
  type ReplayStore,
} from "../replay/index.ts";
import { ApiAccessLog } from "./access-log.ts";
import { startIntegrator } from "./decision-log-integrator.ts";
import { ApiKeyRing, loadApiKeyFile } from "./api-keys.ts";
import { BundleRegistry, watchBundles, type BundleFailure } from "./bundle-registry.ts";
import { ConfigError, type RedisSettings, type ServerConfig } from "./config.ts";
import type { ServerContext } from "./context.ts";
import {
  createServerMetrics,
  registerOutboxGauges,
  registerTrustedKeyGauge,
  type ServerMetrics,
} from "./metrics.ts";
import { ResourceStack } from "./resource-stack.ts";
import { runtimeIdentity } from "./runtime.ts";

/** Where the example bundle and its (example-only) key live, in a checkout and in the installed package. */
export const EXAMPLES_DIR = fileURLToPath(new URL("../../deploy/examples/", import.meta.url));

export interface DevSetup {
  /** The API key to accept (scopes: all). */
  readonly apiKey: string;
}

export interface Composition {
  readonly context: ServerContext;
  /** Everything opened for the context; close it to release them. */
  readonly resources: ResourceStack;
}

function eventBus(
  config: ServerConfig,
  metrics: ServerMetrics,
  audit: AuditStore | undefined,
  logger: Logger,
): SecurityEventBus {
  const sink: SecurityEventSink = audit
    ? { name: "audit", write: (events) => audit.appendSecurityEvents(events) }
    : {
        name: "log",
        write: (events) => {
          for (const e of events) logger.warn({ securityEvent: e }, `security event ${e.event_type}`);
          return Promise.resolve();
        },
      };
  return new SecurityEventBus({
    source: { component: "server", instance: config.instance },
    sinks: [sink],
    observer: {
      raised: (type, severity, n) => {
        metrics.securityEvents.inc({ event_type: type, severity }, n);
      },
      dropped: (n, reason) => {
        metrics.eventsDropped.inc({ reason }, n);
        logger.error({ dropped: n, reason }, "security events dropped");
      },
      sinkFailed: (name, error) => {
        logger.warn({ sink: name, err: error }, "security event sink failed; events stay spooled");
      },
    },
  });
}

async function connectRedis(settings: RedisSettings): Promise<ReplayRedis> {
  const redis = createReplayRedis(settings.target, settings);
  redis.on("error", () => undefined); // reconnects on its own; failures surface as command errors
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    redis.disconnect();
    throw new ConfigError(
      `REDIS_URL: cannot reach Redis (${settings.target.kind}: ${error instanceof Error ? error.message : String(error)})`,
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

async function openAuditDatabase(
  config: ServerConfig,
  resources: ResourceStack,
  dev: boolean,
): Promise<SqlClient | undefined> {
  let sql: SqlClient;
  if (config.auditDatabaseUrl) sql = connectPostgres({ connectionString: config.auditDatabaseUrl });
  else if (dev) sql = await openPglite();
  else return undefined;
  resources.add("audit database", sql, (db) => db.close());
  try {
    await migrate(sql);
  } catch (error) {
    if (error instanceof MigrationPrivilegeError)
      throw new ConfigError(`AUDIT_DATABASE_URL: ${error.message}`);
    const reason =
      error instanceof Error ? (error.cause instanceof Error ? error.cause : error).message : String(error);
    throw new ConfigError(`AUDIT_DATABASE_URL: cannot migrate the audit database (${reason})`);
  }
  return sql;
}

/** Partitions ahead of need and retention by whole partitions, now and every hour. */
function maintainAudit(config: ServerConfig, sql: SqlClient, logger: Logger, resources: ResourceStack): void {
  const maintenance = startPartitionMaintenance(sql, {
    retention: config.auditRetentionDays,
    clock: utilClock,
    observe: (outcome) => {
      if (outcome instanceof Error)
        logger.warn({ err: outcome }, "audit partition maintenance failed; will retry");
      else {
        if (outcome.created.length + outcome.dropped.length > 0)
          logger.info({ created: outcome.created, dropped: outcome.dropped }, "audit partitions maintained");
        for (const { table, days, floorDays } of outcome.belowFloor)
          logger.error(
            { table, days, floorDays },
            `audit retention of ${table} (${String(days)} days) is below the database owner's floor (${String(floorDays)} days, audit_retention_floor): nothing of it is dropped`,
          );
        if (outcome.inDefault > 0)
          logger.error(
            { rows: outcome.inDefault },
            "audit rows fell into a default partition (one was missing)",
          );
      }
    },
  });
  resources.add("partition maintenance", maintenance, (m) => m.stop());
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

async function loadBundles(
  config: ServerConfig,
  dev: boolean,
): Promise<{ bundles: BundleRegistry; failures: readonly BundleFailure[] }> {
  const trust = await loadTrustDirectory(config.trustedKeysDir ?? `${EXAMPLES_DIR}keys`);
  const bundles = new BundleRegistry(config.policiesRoot ?? `${EXAMPLES_DIR}policies`, trust);
  const report = await bundles.load();
  if (!dev && report.active === 0) {
    throw new ConfigError(
      `PARMANA_POLICIES_ROOT: no bundle under ${config.policiesRoot ?? ""} verifies against PARMANA_TRUSTED_KEYS_DIR (${report.failures.map((f) => `${f.policyId} ${f.policyVersion}: ${f.reason}`).join("; ") || "no bundles found"})`,
    );
  }
  return { bundles, failures: report.failures };
}

function watchBundleDirectory(
  config: ServerConfig,
  bundles: BundleRegistry,
  events: SecurityEventBus,
  logger: Logger,
  resources: ResourceStack,
): void {
  const watch = watchBundles(
    bundles,
    config.policiesRoot ?? `${EXAMPLES_DIR}policies`,
    config.bundleRecheckMs,
    (outcome) => {
      if (outcome instanceof Error) {
        logger.error({ err: outcome }, "bundles could not be re-verified; the previous set stays");
        return;
      }
      for (const f of outcome.newFailures)
        logger.error({ bundle: `${f.policyId} ${f.policyVersion}`, reason: f.reason }, "bundle refused");
      if (outcome.changed) logger.info({ active: outcome.active }, "verified bundle set changed");
      raiseBundleFailures(events, outcome.newFailures, "reload");
    },
  );
  resources.add("bundle watch", watch, (w) => {
    w.stop();
  });
}

async function apiKeys(
  config: ServerConfig,
  dev: DevSetup | undefined,
  logger: Logger,
  resources: ResourceStack,
): Promise<ApiKeyRing> {
  if (dev) return ApiKeyRing.fromPlainKeys([{ id: "dev", key: dev.apiKey, scopes: ["admin"] }]);
  const loaded = await loadApiKeyFile(config.apiKeysFile ?? "", (outcome) => {
    if (outcome.ok) logger.info({ keys: outcome.count }, "API keys reloaded");
    else
      logger.error(
        { error: outcome.error },
        "API keys file changed but is invalid; keeping the previous keys",
      );
  });
  resources.add("API keys watch", loaded.watch, (w) => {
    w.stop();
  });
  return loaded.ring;
}

/** Which decisions and overrides enter the decision outbox: none unless a sink exports decision records. */
function decisionSelection(config: ServerConfig): DecisionSelection | undefined {
  const modes = [config.export.kafka?.decisions?.mode, config.export.otlp?.decisionMode].filter(
    (m) => m !== undefined,
  );
  return modes.length > 0 ? new DecisionSelection(modes, config.export.decisionSignals) : undefined;
}

/** Starts the outbox relay for the configured sinks; export needs the audit database (the outbox lives there). */
function startExport(
  config: ServerConfig,
  db: SqlClient | undefined,
  metrics: ServerMetrics,
  logger: Logger,
  resources: ResourceStack,
): void {
  const sinks: ExportSink[] = [];
  const decisionSinks: DecisionSink[] = [];
  const { kafka, otlp } = config.export;
  if (kafka) {
    const sink = new KafkaSink(kafka);
    sinks.push(sink);
    if (kafka.decisions) decisionSinks.push(sink);
  }
  if (otlp) {
    const sink = new OtlpSink(otlp);
    sinks.push(sink);
    if (otlp.decisionMode) decisionSinks.push(sink);
  }
  if (sinks.length === 0) return;
  if (!db) {
    const key = kafka ? "PARMANA_EXPORT_KAFKA_BROKERS" : "PARMANA_EXPORT_OTLP";
    throw new ConfigError(`${key}: export needs AUDIT_DATABASE_URL (the outbox is in the audit database)`);
  }
  const relay = new OutboxRelay({
    db,
    sinks,
    decisionSinks,
    batchSize: config.export.relayBatchSize,
    idleMs: config.export.relayIdleMs,
    retainDeliveredMs: config.export.outboxRetentionMs,
    observer: {
      delivered: (sink, n, stream) => {
        metrics.exportDelivered.inc({ sink, stream }, n);
      },
      failed: (sink, error, stream) => {
        metrics.exportFailures.inc({ sink, stream });
        logger.warn({ sink, stream, err: error }, "export delivery failed; will retry");
      },
    },
  });
  const channels = [
    ...sinks.map((s) => ({ sink: s.name, stream: SECURITY_EVENTS })),
    ...decisionSinks.map((s) => ({ sink: s.name, stream: DECISION_RECORDS })),
  ];
  registerOutboxGauges(
    metrics,
    channels.map((c) => ({ sink: c.sink, stream: c.stream.name })),
    (label) => {
      const c = channels.find((x) => x.sink === label.sink && x.stream.name === label.stream);
      return c ? outboxBacklog(db, c.sink, c.stream) : Promise.reject(new Error("no such channel"));
    },
  );
  resources.add("export relay", relay, (r) => r.stop());
  relay.start();
}

/** The verifiable decision log and its integrator, on Postgres (the embedded database keeps none). */
function verifiableLog(
  config: ServerConfig,
  sql: SqlClient | undefined,
  signer: SigningKey,
  logger: Logger,
  resources: ResourceStack,
): DecisionMerkleLog | undefined {
  if (!sql || sql.kind !== "postgres" || !config.decisionLog.enabled) return undefined;
  const log = new DecisionMerkleLog(sql, config.decisionLog.origin, signer);
  resources.add("decision log integrator", startIntegrator(log, config.decisionLog.intervalMs, logger), (i) =>
    i.stop(),
  );
  return log;
}

async function replayStore(
  config: ServerConfig,
  logger: Logger,
  resources: ResourceStack,
): Promise<{ replay: ReplayStore; redis: ReplayRedis | undefined }> {
  // Consumed ids expire from the store after the replay window; the decision log refuses them beyond it.
  const timings = {
    ...DEFAULT_REPLAY_TIMINGS,
    ...(config.replayRetentionMs !== undefined && { consumedTtlMs: config.replayRetentionMs }),
  };
  if (!config.redis) {
    if (config.production)
      logger.warn("the in-memory replay store protects one process only; use Redis in production");
    return {
      replay: resources.add("replay store", new MemoryReplayStore(timings), (r) => r.close()),
      redis: undefined,
    };
  }
  const settings = config.redis;
  const connected = await connectRedis(settings);
  const stopReviving = keepConnected(connected, () => {
    logger.warn({ redis: settings.target.kind }, "the Redis client had given up; connecting again");
  });
  const redis = resources.add("Redis", connected, (r) => {
    stopReviving();
    r.disconnect();
  });
  const durability = { minReplicas: settings.minReplicas, waitMs: settings.waitMs };
  return {
    replay: resources.add("replay store", new RedisReplayStore(redis, timings, undefined, durability), (r) =>
      r.close(),
    ),
    redis,
  };
}

async function composeInto(
  config: ServerConfig,
  logger: Logger,
  dev: DevSetup | undefined,
  resources: ResourceStack,
): Promise<ServerContext> {
  const metrics = createServerMetrics();
  const signer = dev ? parseSigningKey(generateSigningKeyPair().privateKeyPem) : await loadSigner(config);
  const { bundles, failures } = await loadBundles(config, dev !== undefined);
  registerTrustedKeyGauge(metrics, () => bundles.keyExpiries());
  const { replay, redis } = await replayStore(config, logger, resources);
  const sql = await openAuditDatabase(config, resources, dev !== undefined);
  const audit = sql ? new AuditStore(sql, decisionSelection(config)) : undefined;
  if (sql) maintainAudit(config, sql, logger, resources);
  const events = resources.add("security events", eventBus(config, metrics, audit, logger), (bus) =>
    bus.close(),
  );
  raiseBundleFailures(events, failures, "load");
  watchBundleDirectory(config, bundles, events, logger, resources);
  const keys = await apiKeys(config, dev, logger, resources);
  startExport(config, sql, metrics, logger, resources);
  const merkleLog = verifiableLog(config, sql, signer, logger, resources);
  const accessLog = audit
    ? resources.add(
        "API access log",
        new ApiAccessLog(audit, (n) => {
          metrics.eventsDropped.inc({ reason: "api access log full" }, n);
        }),
        (log) => log.close(),
      )
    : undefined;
  return {
    config,
    bundles,
    replay,
    audit,
    decisionLog: audit?.decisionLog,
    clock: systemClock,
    events,
    keys,
    signer,
    issuer: attestationIssuer(config, signer, metrics),
    runtime: await runtimeIdentity(),
    metrics,
    redis,
    accessLog,
    shadow: new ShadowLog(metrics.shadowEvaluations),
    merkleLog,
  };
}

/** The batching issuer when PARMANA_SIGNING_MODE=batched; none (each signed alone) otherwise. */
function attestationIssuer(
  config: ServerConfig,
  signer: SigningKey,
  metrics: ServerMetrics,
): AttestationIssuer | undefined {
  const signing = config.signing;
  if (signing.mode !== "batched") return undefined;
  return new BatchingIssuer(signer, {
    maxBatch: signing.maxBatch,
    maxWaitMs: signing.maxWaitMs,
    onBatch: (size) => {
      metrics.signingBatchSize.observe(size);
    },
  });
}

/** The server's context and what it opened; if any step fails, everything opened before it is closed. */
export async function composeServer(
  config: ServerConfig,
  logger: Logger,
  dev?: DevSetup,
  resources: ResourceStack = new ResourceStack({
    closeFailed: (name, error) => {
      logger.warn({ resource: name, err: error }, "closing failed");
    },
  }),
): Promise<Composition> {
  const context = await resources.guard(() => composeInto(config, logger, dev, resources));
  return { context, resources };
}
