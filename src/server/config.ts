// Server configuration: read once at start from the environment (and optionally a JSON config file whose
// keys are the same variable names), validated, and passed down typed. A bad value stops the process with a
// message naming the variable.
import { parseShadowBindings, type ShadowBinding } from "./shadow-bundles.ts";
import { readFileSync } from "node:fs";
import { availableParallelism, hostname } from "node:os";
import { ExportConfigError, loadExportConfig, type ExportConfig } from "../export/index.ts";
import { parseRedisUrl, RedisUrlError, type RedisTarget } from "../replay/index.ts";

export interface RateLimits {
  readonly execute: number;
  readonly verify: number;
  readonly audit: number;
  readonly health: number;
  /** Raise rate_limit_exceeded for 429s on routes other than /execute too. */
  readonly eventsOnAllRoutes: boolean;
  /** Redis key prefix of the counters; replicas that share a budget share it. */
  readonly namespace: string;
}

export interface ServerConfig {
  readonly host: string;
  readonly port: number;
  readonly dashboardPort: number;
  readonly dashboardEnabled: boolean;
  /** Processes serving the API (node:cluster); 1 runs in this process. */
  readonly workers: number;
  /** In a cluster worker, its index (PARMANA_WORKER_INDEX, set by the primary); 0 otherwise. */
  readonly workerIndex: number;
  readonly metricsPort: number;
  /** Where Redis is (REDIS_URL: one server, Sentinel or Cluster) and how durable a transition must be. */
  readonly redis: RedisSettings | undefined;
  readonly auditDatabaseUrl: string | undefined;
  readonly apiKeysFile: string | undefined;
  readonly policiesRoot: string | undefined;
  readonly trustedKeysDir: string | undefined;
  readonly signingKeyPath: string | undefined;
  readonly signingKeyPem: string | undefined;
  readonly auditRequired: boolean;
  /**
   * How long Redis remembers a consumed executionId (PARMANA_REPLAY_RETENTION_SECONDS); beyond it the audit
   * database's consumed-ids table refuses replays. Undefined: Redis keeps every id (audit not required).
   */
  readonly replayRetentionMs: number | undefined;
  /** Days each audit table keeps (whole partitions are dropped after); 0 keeps a table for good. */
  readonly auditRetentionDays: {
    readonly audit_api_access: number;
    readonly audit_verifications: number;
    readonly audit_decisions: number;
  };
  readonly rateLimits: RateLimits;
  readonly logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
  readonly shutdownGraceMs: number;
  /** On SIGTERM, how long to keep serving (not ready, connections closing) before the grace period starts. */
  readonly shutdownDrainMs: number;
  /** How often the bundles on disk are verified again (they are also re-verified when they change). */
  readonly bundleRecheckMs: number;
  /** A request's headers and body must arrive within this; idle connections are closed after it. */
  readonly requestTimeoutMs: number;
  readonly production: boolean;
  /** This process's name in security events (HOSTNAME, the pod name in Kubernetes; else the host's). */
  readonly instance: string;
  readonly export: ExportConfig;
  /** Bundles evaluated in shadow of another version (PARMANA_SHADOW_BUNDLES). */
  readonly shadowBundles: readonly ShadowBinding[];
  /** The verifiable decision log (Postgres only): integrated every intervalMs, checkpoints named origin. */
  readonly decisionLog: { readonly enabled: boolean; readonly origin: string; readonly intervalMs: number };
  /** How attestations are signed (PARMANA_SIGNING_MODE): each alone, or in batches over a Merkle root. */
  readonly signing: SigningSettings;
}

export type SigningSettings =
  | { readonly mode: "per-decision" }
  | { readonly mode: "batched"; readonly maxBatch: number; readonly maxWaitMs: number };

export interface RedisSettings {
  readonly target: RedisTarget;
  readonly sentinelPassword: string | undefined;
  readonly tlsCaFile: string | undefined;
  /** Replicas that must hold a reservation or a confirmation (PARMANA_REPLAY_MIN_REPLICAS). */
  readonly minReplicas: number;
  /** How long to wait for them before failing closed (PARMANA_REPLAY_WAIT_MS). */
  readonly waitMs: number;
}

/**
 * Replicas required by default: none for one server (it has none to wait for); one with Sentinel or Cluster,
 * so an acknowledged transition survives the loss of its primary without making a single replica's outage
 * an outage of the service (with two replicas, one may be down).
 */
const DEFAULT_MIN_REPLICAS: Readonly<Record<RedisTarget["kind"], number>> = {
  single: 0,
  sentinel: 1,
  cluster: 1,
};

function redisSettings(source: Source): RedisSettings | undefined {
  const raw = text(source, "REDIS_URL");
  if (raw === undefined) return undefined;
  let target: RedisTarget;
  try {
    target = parseRedisUrl(raw);
  } catch (error) {
    if (error instanceof RedisUrlError) throw new ConfigError(`REDIS_URL ${error.message}`);
    throw error;
  }
  const tlsCaFile = text(source, "REDIS_TLS_CA_FILE");
  if (tlsCaFile !== undefined && !target.tls)
    throw new ConfigError(
      "REDIS_TLS_CA_FILE is set but REDIS_URL does not use TLS (rediss:, rediss+sentinel:, rediss+cluster:)",
    );
  const sentinelPassword = text(source, "REDIS_SENTINEL_PASSWORD");
  if (sentinelPassword !== undefined && target.kind !== "sentinel")
    throw new ConfigError(
      "REDIS_SENTINEL_PASSWORD is set but REDIS_URL is not redis+sentinel: or rediss+sentinel:",
    );
  return {
    target,
    sentinelPassword,
    tlsCaFile,
    minReplicas: integer(source, "PARMANA_REPLAY_MIN_REPLICAS", DEFAULT_MIN_REPLICAS[target.kind], 0, 16),
    waitMs: integer(source, "PARMANA_REPLAY_WAIT_MS", 100, 1, 10_000),
  };
}

function shadowBindings(source: Source): ShadowBinding[] {
  try {
    return parseShadowBindings(text(source, "PARMANA_SHADOW_BUNDLES"));
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

type Source = Readonly<Record<string, string | undefined>>;

function integer(source: Source, name: string, fallback: number, min: number, max: number): number {
  const raw = source[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new ConfigError(
      `${name}=${JSON.stringify(raw)} must be a whole number from ${String(min)} to ${String(max)}`,
    );
  }
  return value;
}

function boolean(source: Source, name: string, fallback: boolean): boolean {
  const raw = source[name]?.toLowerCase();
  if (raw === undefined || raw === "") return fallback;
  if (["true", "1", "yes"].includes(raw)) return true;
  if (["false", "0", "no"].includes(raw)) return false;
  throw new ConfigError(`${name}=${JSON.stringify(source[name])} must be true or false`);
}

function text(source: Source, name: string): string | undefined {
  const raw = source[name];
  return raw === undefined || raw === "" ? undefined : raw;
}

function url(source: Source, name: string, schemes: readonly string[]): string | undefined {
  const raw = text(source, name);
  if (raw === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(`${name} is not a URL`);
  }
  if (!schemes.includes(parsed.protocol)) {
    throw new ConfigError(`${name} must use ${schemes.join(" or ")} (got ${parsed.protocol})`);
  }
  return raw;
}

function exportConfig(source: Source): ExportConfig {
  try {
    return loadExportConfig(source);
  } catch (error) {
    if (error instanceof ExportConfigError) throw new ConfigError(error.message);
    throw error;
  }
}

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

/** Reads a JSON config file of `{"VARIABLE": "value"}`; the environment wins over the file. */
export function configSource(env: Source, configFile?: string): Source {
  if (configFile === undefined) return env;
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(configFile, "utf8"));
  } catch (error) {
    throw new ConfigError(
      `config file ${configFile} is not readable JSON: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc))
    throw new ConfigError(`config file ${configFile} must hold a JSON object`);
  const fromFile = Object.fromEntries(
    Object.entries(doc).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
  );
  return { ...fromFile, ...Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)) };
}

/** One hour: 12 times a reservation's 5 minutes, beyond any retry loop; about 1 GB of Redis at 1,000 decisions/s. */
export const DEFAULT_REPLAY_RETENTION_SECONDS = 3_600;

function replayRetentionMs(source: Source, auditRequired: boolean): number | undefined {
  const seconds = integer(
    source,
    "PARMANA_REPLAY_RETENTION_SECONDS",
    auditRequired ? DEFAULT_REPLAY_RETENTION_SECONDS : 0,
    0,
    31_536_000,
  );
  if (seconds > 0 && !auditRequired)
    throw new ConfigError(
      "PARMANA_REPLAY_RETENTION_SECONDS needs PARMANA_AUDIT_REQUIRED=true: without the audit database's consumed-ids table nothing would refuse a replay once Redis forgot the id (set it to 0, or leave it unset, to keep every id in Redis)",
    );
  return seconds === 0 ? undefined : seconds * 1_000;
}

function workerCount(source: Source): number {
  const raw = text(source, "PARMANA_WORKERS");
  if (raw === "auto") return availableParallelism();
  return integer(source, "PARMANA_WORKERS", 1, 1, 64);
}

export function loadServerConfig(source: Source): ServerConfig {
  const production = source["NODE_ENV"] === "production";
  const logLevel = (text(source, "LOG_LEVEL") ?? "info").toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL=${JSON.stringify(logLevel)} must be one of ${LOG_LEVELS.join(", ")}`);
  }
  return {
    host: text(source, "HOST") ?? "0.0.0.0",
    port: integer(source, "PORT", 3000, 0, 65535),
    dashboardPort: integer(source, "DASHBOARD_PORT", 8081, 0, 65535),
    dashboardEnabled: boolean(source, "DASHBOARD_ENABLED", true),
    workers: workerCount(source),
    workerIndex: integer(source, "PARMANA_WORKER_INDEX", 0, 0, 63),
    metricsPort: integer(source, "METRICS_PORT", 9464, 0, 65535),
    redis: redisSettings(source),
    auditDatabaseUrl: url(source, "AUDIT_DATABASE_URL", ["postgres:", "postgresql:"]),
    apiKeysFile: text(source, "PARMANA_API_KEYS_FILE"),
    policiesRoot: text(source, "PARMANA_POLICIES_ROOT"),
    trustedKeysDir: text(source, "PARMANA_TRUSTED_KEYS_DIR"),
    signingKeyPath: text(source, "PARMANA_SIGNING_PRIVATE_KEY_PATH"),
    signingKeyPem: text(source, "PARMANA_SIGNING_PRIVATE_KEY"),
    auditRequired: boolean(source, "PARMANA_AUDIT_REQUIRED", true),
    replayRetentionMs: replayRetentionMs(source, boolean(source, "PARMANA_AUDIT_REQUIRED", true)),
    auditRetentionDays: {
      audit_api_access: integer(source, "PARMANA_AUDIT_RETENTION_API_ACCESS_DAYS", 30, 0, 36_500),
      audit_verifications: integer(source, "PARMANA_AUDIT_RETENTION_VERIFICATIONS_DAYS", 0, 0, 36_500),
      audit_decisions: integer(source, "PARMANA_AUDIT_RETENTION_DECISIONS_DAYS", 0, 0, 36_500),
    },
    rateLimits: {
      execute: integer(source, "PARMANA_RATE_LIMIT_EXECUTE", 100, 1, 1_000_000),
      verify: integer(source, "PARMANA_RATE_LIMIT_VERIFY", 200, 1, 1_000_000),
      audit: integer(source, "PARMANA_RATE_LIMIT_AUDIT", 60, 1, 1_000_000),
      health: integer(source, "PARMANA_RATE_LIMIT_HEALTH", 300, 1, 1_000_000),
      eventsOnAllRoutes: boolean(source, "PARMANA_RATE_LIMIT_EVENTS_ALL_ROUTES", true),
      namespace: text(source, "PARMANA_RATE_LIMIT_NAMESPACE") ?? "parmana:ratelimit:",
    },
    logLevel: logLevel as ServerConfig["logLevel"],
    shutdownGraceMs: integer(source, "PARMANA_SHUTDOWN_GRACE_MS", 10_000, 0, 300_000),
    shutdownDrainMs: integer(source, "PARMANA_SHUTDOWN_DRAIN_MS", 0, 0, 60_000),
    bundleRecheckMs: integer(source, "PARMANA_BUNDLE_RECHECK_SECONDS", 30, 1, 86_400) * 1_000,
    requestTimeoutMs: integer(source, "PARMANA_REQUEST_TIMEOUT_MS", 30_000, 100, 300_000),
    production,
    instance: text(source, "HOSTNAME") ?? hostname(),
    export: exportConfig(source),
    shadowBundles: shadowBindings(source),
    decisionLog: {
      enabled: boolean(source, "PARMANA_DECISION_LOG", true),
      origin: logOrigin(source),
      intervalMs: integer(source, "PARMANA_DECISION_LOG_INTERVAL_MS", 1_000, 50, 3_600_000),
    },
    signing: signingSettings(source),
  };
}

const SIGNING_MODES = ["per-decision", "batched"] as const;

function signingSettings(source: Source): SigningSettings {
  const mode = text(source, "PARMANA_SIGNING_MODE") ?? "per-decision";
  if (mode === "per-decision") return { mode };
  if (mode !== "batched")
    throw new ConfigError(
      `PARMANA_SIGNING_MODE=${JSON.stringify(mode)} must be one of ${SIGNING_MODES.join(", ")}`,
    );
  return {
    mode,
    maxBatch: integer(source, "PARMANA_SIGNING_BATCH_MAX", 256, 1, 65_536),
    maxWaitMs: integer(source, "PARMANA_SIGNING_BATCH_WAIT_MS", 0, 0, 100),
  };
}

const ORIGIN = /^[\x21-\x2a\x2c-\x7e]{1,255}$/;

/** The decision log's origin: its checkpoints' first line and their note key's name (no spaces, no "+"). */
function logOrigin(source: Source): string {
  const origin = text(source, "PARMANA_DECISION_LOG_ORIGIN") ?? "parmana/decisions";
  if (!ORIGIN.test(origin))
    throw new ConfigError(
      `PARMANA_DECISION_LOG_ORIGIN=${JSON.stringify(origin)} must be printable ASCII without spaces or +`,
    );
  return origin;
}

/** What `parmana server` cannot run without; each missing piece is named. */
export function missingForProduction(config: ServerConfig): string[] {
  const missing: string[] = [];
  if (!config.redis) missing.push("REDIS_URL (the replay store)");
  if (!config.apiKeysFile) missing.push("PARMANA_API_KEYS_FILE (API keys)");
  if (!config.signingKeyPath && !config.signingKeyPem)
    missing.push("PARMANA_SIGNING_PRIVATE_KEY_PATH or PARMANA_SIGNING_PRIVATE_KEY");
  if (!config.policiesRoot) missing.push("PARMANA_POLICIES_ROOT (signed policy bundles)");
  if (!config.trustedKeysDir) missing.push("PARMANA_TRUSTED_KEYS_DIR (keys trusted to sign bundles)");
  if (config.auditRequired && !config.auditDatabaseUrl)
    missing.push("AUDIT_DATABASE_URL (PARMANA_AUDIT_REQUIRED is true)");
  return missing;
}
