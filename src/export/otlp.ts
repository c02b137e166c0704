// The OpenTelemetry sink: each security event becomes one OTLP log record (eventName `parmana.<type>`), and
// each exported decision record one too (`parmana.decision` / `parmana.override`), created by the OpenTelemetry logs SDK and sent by its OTLP http/protobuf exporter, which honours the
// standard OTEL_EXPORTER_OTLP_* variables (endpoint, headers, timeout, compression, certificates).
//
// The relay marks a batch delivered only when the destination acknowledged it, so the records are not left
// in a BatchLogRecordProcessor that would export them later and swallow the result: a collecting processor
// takes the records the SDK just built and the sink exports them itself, resolving on the exporter's result.
// See docs/adr/0004-otlp-sink-acknowledged-export.md.
import { SeverityNumber, type Logger } from "@opentelemetry/api";
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
import { isPlainApproval, type DecisionMode, type DecisionRecord } from "./decisions/index.ts";
import { otlpAttributes, otlpDecisionAttributes } from "./otlp-attributes.ts";
import type { DecisionSink, ExportSink } from "./sink.ts";

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

export interface OtlpSinkOptions {
  /** Replaces the OTLP exporter (unit tests). */
  readonly exporter?: LogRecordExporter;
}

export class OtlpSink implements ExportSink, DecisionSink {
  readonly name = "otlp";
  readonly minSeverity: Severity;
  /** All when PARMANA_EXPORT_OTLP_DECISIONS_MODE is off: then the server gives this sink no decision records. */
  readonly decisionMode: DecisionMode;
  readonly #exporter: LogRecordExporter;
  readonly #collector = new CollectingProcessor();
  readonly #provider: LoggerProvider;
  readonly #logger: Logger;
  readonly #decisionLogger: Logger;

  constructor(config: OtlpExportConfig, options: OtlpSinkOptions = {}) {
    this.minSeverity = config.minSeverity;
    this.decisionMode = config.decisionMode ?? { kind: "all" };
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
    this.#decisionLogger = this.#provider.getLogger("parmana.decisions", packageVersion());
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
    return this.#export(events.length);
  }

  sendDecisions(records: readonly DecisionRecord[]): Promise<void> {
    const observed = new Date();
    for (const record of records) {
      this.#decisionLogger.emit({
        eventName: `parmana.${record.record_type}`,
        timestamp: new Date(record.occurred_at),
        observedTimestamp: observed,
        // A decision is not an error; one someone must look at (a denial, a pending override) is a notice.
        severityNumber: isPlainApproval(record) ? SeverityNumber.INFO : SeverityNumber.INFO2,
        severityText: "INFO",
        body: record.decision.reason,
        attributes: otlpDecisionAttributes(record),
      });
    }
    return this.#export(records.length);
  }

  /** Exports what the SDK just built, resolving on the collector's acknowledgement. */
  async #export(expected: number): Promise<void> {
    const records = this.#collector.take();
    if (records.length !== expected)
      throw new Error(`the OpenTelemetry SDK built ${String(records.length)} of ${String(expected)} records`);
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
