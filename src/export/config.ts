// Export configuration from the environment; a malformed value stops start-up naming the variable.
import { readFileSync } from "node:fs";
import type { Severity } from "../events/index.ts";
import { parseDecisionMode, parseSignalAllowlist, type DecisionMode } from "./decisions/index.ts";
import { DECISION_FORMATS, EXPORT_FORMATS, type DecisionFormat, type ExportFormat } from "./formats/index.ts";

export class ExportConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ExportConfigError";
  }
}

export const SEVERITIES: readonly Severity[] = ["low", "medium", "high", "critical"];

export interface KafkaExportConfig {
  readonly brokers: readonly string[];
  readonly topic: string;
  readonly format: ExportFormat;
  readonly minSeverity: Severity;
  readonly clientId: string;
  /** Decision records to their own topic (PARMANA_EXPORT_KAFKA_DECISIONS_TOPIC); undefined: not exported. */
  readonly decisions?: KafkaDecisionsConfig | undefined;
  readonly tls: { readonly ca?: string; readonly cert?: string; readonly key?: string } | undefined;
  readonly sasl:
    | {
        readonly mechanism: "plain" | "scram-sha-256" | "scram-sha-512";
        readonly username: string;
        readonly password: string;
      }
    | undefined;
}

export interface KafkaDecisionsConfig {
  readonly topic: string;
  readonly mode: DecisionMode;
  readonly format: DecisionFormat;
}

export interface OtlpExportConfig {
  /** The logs URL; undefined leaves it to OTEL_EXPORTER_OTLP_LOGS_ENDPOINT / OTEL_EXPORTER_OTLP_ENDPOINT. */
  readonly endpoint: string | undefined;
  readonly minSeverity: Severity;
  readonly timeoutMs: number;
  /** Decision records as log records too (PARMANA_EXPORT_OTLP_DECISIONS_MODE; off by default). */
  readonly decisionMode?: DecisionMode | undefined;
  readonly serviceName: string;
  /** k8s.namespace.name and k8s.pod.name when the Downward API provides them. */
  readonly resourceAttributes: Readonly<Record<string, string>>;
}

export interface ExportConfig {
  readonly kafka: KafkaExportConfig | undefined;
  readonly otlp: OtlpExportConfig | undefined;
  /** The signals whose values decision records carry in clear (PARMANA_EXPORT_DECISIONS_SIGNALS). */
  readonly decisionSignals: ReadonlySet<string>;
  readonly relayBatchSize: number;
  readonly relayIdleMs: number;
  readonly outboxRetentionMs: number;
}

type Source = Readonly<Record<string, string | undefined>>;

function value(source: Source, name: string): string | undefined {
  const raw = source[name];
  return raw === undefined || raw.trim() === "" ? undefined : raw.trim();
}

function oneOf<T extends string>(source: Source, name: string, allowed: readonly T[], fallback: T): T {
  const raw = value(source, name);
  if (raw === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(raw))
    throw new ExportConfigError(`${name}=${JSON.stringify(raw)} must be one of ${allowed.join(", ")}`);
  return raw as T;
}

function file(source: Source, name: string): string | undefined {
  const path = value(source, name);
  if (path === undefined) return undefined;
  try {
    return readFileSync(path, "utf8");
  } catch {
    throw new ExportConfigError(`${name}: cannot read ${path}`);
  }
}

function wholeNumber(source: Source, name: string, fallback: number, min: number, max: number): number {
  const raw = value(source, name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < min || n > max)
    throw new ExportConfigError(
      `${name}=${JSON.stringify(raw)} must be a whole number from ${String(min)} to ${String(max)}`,
    );
  return n;
}

const BROKER = /^[A-Za-z0-9.-]+:\d{1,5}$/;
const TOPIC = /^[A-Za-z0-9._-]{1,249}$/;

/** `{ [key]: value }`, or nothing when the value is undefined (an optional setting left out). */
function optional<K extends string, V>(key: K, v: V | undefined): { [P in K]?: V } {
  return (v === undefined ? {} : { [key]: v }) as { [P in K]?: V };
}

function decisionMode(source: Source, name: string, fallback: "all" | "off"): DecisionMode | undefined {
  const raw = value(source, name) ?? fallback;
  if (raw === "off") return undefined;
  try {
    return parseDecisionMode(raw, name);
  } catch (error) {
    throw new ExportConfigError(`${(error as Error).message}, or off`);
  }
}

function kafkaDecisions(source: Source, eventTopic: string): KafkaDecisionsConfig | undefined {
  const topic = value(source, "PARMANA_EXPORT_KAFKA_DECISIONS_TOPIC");
  if (topic === undefined) return undefined;
  if (!TOPIC.test(topic))
    throw new ExportConfigError(
      `PARMANA_EXPORT_KAFKA_DECISIONS_TOPIC=${JSON.stringify(topic)} is not a valid topic name`,
    );
  if (topic === eventTopic)
    throw new ExportConfigError(
      "PARMANA_EXPORT_KAFKA_DECISIONS_TOPIC must differ from PARMANA_EXPORT_KAFKA_TOPIC (decisions and security events are different records)",
    );
  const mode = decisionMode(source, "PARMANA_EXPORT_KAFKA_DECISIONS_MODE", "all");
  if (mode === undefined) return undefined;
  return {
    topic,
    mode,
    format: oneOf(source, "PARMANA_EXPORT_KAFKA_DECISIONS_FORMAT", DECISION_FORMATS, "ocsf"),
  };
}

function kafka(source: Source): KafkaExportConfig | undefined {
  const brokersText = value(source, "PARMANA_EXPORT_KAFKA_BROKERS");
  if (brokersText === undefined) return undefined;
  const brokers = brokersText.split(",").map((b) => b.trim());
  const bad = brokers.find((b) => !BROKER.test(b));
  if (bad !== undefined)
    throw new ExportConfigError(`PARMANA_EXPORT_KAFKA_BROKERS: "${bad}" is not host:port`);
  const topic = value(source, "PARMANA_EXPORT_KAFKA_TOPIC") ?? "parmana.security-events";
  if (!TOPIC.test(topic))
    throw new ExportConfigError(
      `PARMANA_EXPORT_KAFKA_TOPIC=${JSON.stringify(topic)} is not a valid topic name`,
    );
  const tlsEnabled = oneOf(source, "PARMANA_EXPORT_KAFKA_TLS", ["true", "false"], "false") === "true";
  const mechanism = value(source, "PARMANA_EXPORT_KAFKA_SASL_MECHANISM");
  let sasl: KafkaExportConfig["sasl"];
  if (mechanism !== undefined) {
    const m = oneOf(
      source,
      "PARMANA_EXPORT_KAFKA_SASL_MECHANISM",
      ["plain", "scram-sha-256", "scram-sha-512"] as const,
      "plain",
    );
    const username = value(source, "PARMANA_EXPORT_KAFKA_SASL_USERNAME");
    const password = file(source, "PARMANA_EXPORT_KAFKA_SASL_PASSWORD_FILE")?.trim();
    if (username === undefined || password === undefined) {
      throw new ExportConfigError(
        "PARMANA_EXPORT_KAFKA_SASL_MECHANISM needs PARMANA_EXPORT_KAFKA_SASL_USERNAME and PARMANA_EXPORT_KAFKA_SASL_PASSWORD_FILE",
      );
    }
    sasl = { mechanism: m, username, password };
  }
  const ca = file(source, "PARMANA_EXPORT_KAFKA_TLS_CA_FILE");
  const cert = file(source, "PARMANA_EXPORT_KAFKA_TLS_CERT_FILE");
  const key = file(source, "PARMANA_EXPORT_KAFKA_TLS_KEY_FILE");
  return {
    brokers,
    topic,
    format: oneOf(source, "PARMANA_EXPORT_KAFKA_FORMAT", EXPORT_FORMATS, "ocsf"),
    minSeverity: oneOf(source, "PARMANA_EXPORT_KAFKA_MIN_SEVERITY", SEVERITIES, "low"),
    clientId: value(source, "PARMANA_EXPORT_KAFKA_CLIENT_ID") ?? "parmana",
    ...optional("decisions", kafkaDecisions(source, topic)),
    tls:
      tlsEnabled || ca !== undefined
        ? {
            ...(ca !== undefined && { ca }),
            ...(cert !== undefined && { cert }),
            ...(key !== undefined && { key }),
          }
        : undefined,
    sasl,
  };
}

function httpUrl(source: Source, name: string): string | undefined {
  const raw = value(source, name);
  if (raw === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ExportConfigError(`${name}=${JSON.stringify(raw)} is not a URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new ExportConfigError(`${name}=${JSON.stringify(raw)} must be an http:// or https:// URL`);
  return raw;
}

/**
 * The OTLP log sink is on when PARMANA_EXPORT_OTLP=true, when PARMANA_EXPORT_OTLP_ENDPOINT is set, or when
 * the standard OTEL_LOGS_EXPORTER names otlp.
 */
function otlp(source: Source): OtlpExportConfig | undefined {
  const endpoint = httpUrl(source, "PARMANA_EXPORT_OTLP_ENDPOINT");
  const otelLogs = (value(source, "OTEL_LOGS_EXPORTER") ?? "").split(",").map((e) => e.trim());
  const implied = endpoint !== undefined || otelLogs.includes("otlp");
  const enabled = oneOf(source, "PARMANA_EXPORT_OTLP", ["true", "false"], implied ? "true" : "false");
  if (enabled === "false") return undefined;
  httpUrl(source, "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT");
  httpUrl(source, "OTEL_EXPORTER_OTLP_ENDPOINT");
  const namespace = value(source, "POD_NAMESPACE");
  const pod = value(source, "POD_NAME");
  return {
    endpoint,
    minSeverity: oneOf(source, "PARMANA_EXPORT_OTLP_MIN_SEVERITY", SEVERITIES, "low"),
    timeoutMs: wholeNumber(source, "PARMANA_EXPORT_OTLP_TIMEOUT_MS", 10_000, 100, 120_000),
    ...optional("decisionMode", decisionMode(source, "PARMANA_EXPORT_OTLP_DECISIONS_MODE", "off")),
    serviceName: value(source, "PARMANA_SERVICE_NAME") ?? "parmana-governance-server",
    resourceAttributes: {
      ...(namespace !== undefined && { "k8s.namespace.name": namespace }),
      ...(pod !== undefined && { "k8s.pod.name": pod }),
    },
  };
}

function signalAllowlist(source: Source): ReadonlySet<string> {
  try {
    return parseSignalAllowlist(value(source, "PARMANA_EXPORT_DECISIONS_SIGNALS"));
  } catch (error) {
    throw new ExportConfigError((error as Error).message);
  }
}

export function loadExportConfig(source: Source): ExportConfig {
  return {
    kafka: kafka(source),
    otlp: otlp(source),
    decisionSignals: signalAllowlist(source),
    relayBatchSize: wholeNumber(source, "PARMANA_EXPORT_RELAY_BATCH", 500, 1, 10_000),
    relayIdleMs: wholeNumber(source, "PARMANA_EXPORT_RELAY_IDLE_MS", 250, 10, 60_000),
    outboxRetentionMs:
      wholeNumber(source, "PARMANA_EXPORT_OUTBOX_RETENTION_SECONDS", 3_600, 0, 31_536_000) * 1_000,
  };
}
