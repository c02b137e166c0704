// The OpenTelemetry sink: each security event becomes one OTLP log record (eventName `parmana.<type>`),
// created by the OpenTelemetry logs SDK and sent by its OTLP http/protobuf exporter, which honours the
// standard OTEL_EXPORTER_OTLP_* variables (endpoint, headers, timeout, compression, certificates).
//
// The relay marks a batch delivered only when the destination acknowledged it, so the records are not left
// in a BatchLogRecordProcessor that would export them later and swallow the result: a collecting processor
// takes the records the SDK just built and the sink exports them itself, resolving on the exporter's result.
// See docs/adr/0004-otlp-sink-acknowledged-export.md.
import { SeverityNumber, type Attributes, type Logger } from "@opentelemetry/api";
import { ExportResultCode } from "@opentelemetry/core";
import { OTLPLogExporter } from "@opentelemetry/exporter-logs-otlp-proto";
import {
  detectResources,
  resourceAttributesEnvDetector,
  resourceFromAttributes,
  serviceNameEnvDetector,
} from "@opentelemetry/resources";
import {
  LoggerProvider,
  type LogRecordExporter,
  type LogRecordProcessor,
  type ReadableLogRecord,
  type ReadWriteLogRecord,
} from "@opentelemetry/sdk-logs";
import type { SecurityEvent, Severity } from "../events/index.ts";
import { packageVersion } from "../version.ts";
import type { OtlpExportConfig } from "./config.ts";
import type { ExportSink } from "./sink.ts";

const SEVERITY_NUMBER: Readonly<Record<Severity, SeverityNumber>> = {
  low: SeverityNumber.INFO,
  medium: SeverityNumber.WARN,
  high: SeverityNumber.ERROR,
  critical: SeverityNumber.FATAL,
};

const SEVERITY_TEXT: Readonly<Record<Severity, string>> = {
  low: "INFO",
  medium: "WARN",
  high: "ERROR",
  critical: "FATAL",
};

/** Hands over the records the SDK built, instead of queueing them. */
class CollectingProcessor implements LogRecordProcessor {
  #records: ReadableLogRecord[] = [];

  onEmit(record: ReadWriteLogRecord): void {
    this.#records.push(record);
  }

  take(): ReadableLogRecord[] {
    const records = this.#records;
    this.#records = [];
    return records;
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    this.#records = [];
    return Promise.resolve();
  }
}

/** Semantic-convention attributes where they exist, `parmana.*` for the rest; nulls are left out. */
export function otlpAttributes(event: SecurityEvent): Attributes {
  const attributes: Record<string, string | number | null | undefined> = {
    "client.address": event.actor.client_ip,
    "user_agent.original": event.actor.user_agent,
    "http.request.method": event.request.method,
    "url.path": event.request.path,
    "security_rule.name": event.event_type,
    "security_rule.ruleset.name": event.policy.policy_id,
    "security_rule.version": event.policy.policy_version,
    "parmana.event_id": event.event_id,
    "parmana.event_type": event.event_type,
    "parmana.severity": event.severity,
    "parmana.severity_id": event.severity_id,
    "parmana.outcome": event.outcome,
    "parmana.occurrences": event.occurrences,
    "parmana.source.component": event.source.component,
    "parmana.source.instance": event.source.instance,
    "parmana.source.namespace": event.source.namespace,
    "parmana.governance_server": event.source.governance_server,
    "parmana.api_key_id": event.actor.api_key_id,
    "parmana.request_id": event.request.request_id,
    "parmana.bundle_hash": event.policy.bundle_hash,
    "parmana.revision": event.policy.revision,
    "parmana.execution_id": event.execution.execution_id,
    "parmana.execution_fingerprint": event.execution.execution_fingerprint,
    "parmana.details": Object.keys(event.details).length > 0 ? JSON.stringify(event.details) : undefined,
  };
  return Object.fromEntries(Object.entries(attributes).filter(([, v]) => v !== null && v !== undefined));
}

export interface OtlpSinkOptions {
  /** Replaces the OTLP exporter (unit tests). */
  readonly exporter?: LogRecordExporter;
}

export class OtlpSink implements ExportSink {
  readonly name = "otlp";
  readonly minSeverity: Severity;
  readonly #exporter: LogRecordExporter;
  readonly #collector = new CollectingProcessor();
  readonly #provider: LoggerProvider;
  readonly #logger: Logger;

  constructor(config: OtlpExportConfig, options: OtlpSinkOptions = {}) {
    this.minSeverity = config.minSeverity;
    this.#exporter =
      options.exporter ??
      new OTLPLogExporter({
        ...(config.endpoint !== undefined && { url: config.endpoint }),
        timeoutMillis: config.timeoutMs,
      });
    // Ours first, then OTEL_RESOURCE_ATTRIBUTES / OTEL_SERVICE_NAME, which win, as the spec says.
    const resource = resourceFromAttributes({
      "service.name": config.serviceName,
      "service.version": packageVersion(),
      ...config.resourceAttributes,
    }).merge(detectResources({ detectors: [resourceAttributesEnvDetector, serviceNameEnvDetector] }));
    this.#provider = new LoggerProvider({ resource, processors: [this.#collector] });
    this.#logger = this.#provider.getLogger("parmana.security-events", packageVersion());
  }

  async send(events: readonly SecurityEvent[]): Promise<void> {
    const observed = new Date();
    for (const event of events) {
      this.#logger.emit({
        eventName: `parmana.${event.event_type}`,
        timestamp: new Date(event.occurred_at),
        observedTimestamp: observed,
        severityNumber: SEVERITY_NUMBER[event.severity],
        severityText: SEVERITY_TEXT[event.severity],
        body: event.message,
        attributes: otlpAttributes(event),
      });
    }
    const records = this.#collector.take();
    if (records.length !== events.length)
      throw new Error(
        `the OpenTelemetry SDK built ${String(records.length)} of ${String(events.length)} records`,
      );
    await new Promise<void>((resolve, reject) => {
      this.#exporter.export(records, (result) => {
        if (result.code === ExportResultCode.SUCCESS) resolve();
        else reject(result.error ?? new Error("OTLP export failed"));
      });
    });
  }

  async close(): Promise<void> {
    await this.#provider.shutdown();
    await this.#exporter.shutdown();
  }
}
