// Reads what the test OTLP receiver (test/infra/otlp) decoded, or what the real Collector's file exporter
// wrote (test/infra/otelcol): one OTLP JSON ExportLogsServiceRequest per line, flattened here to log records
// with their resource.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { PrivateService } from "./private-services.ts";

export interface AnyValue {
  stringValue?: string;
  intValue?: string;
  boolValue?: boolean;
  doubleValue?: number;
}
export interface KeyValue {
  key: string;
  value: AnyValue;
}
interface ProtoLogRecord {
  timeUnixNano?: string;
  observedTimeUnixNano?: string;
  severityNumber?: number;
  severityText?: string;
  eventName?: string;
  body?: AnyValue;
  attributes?: KeyValue[];
}
interface ExportLogsServiceRequest {
  resourceLogs?: {
    resource?: { attributes?: KeyValue[] };
    scopeLogs?: { scope?: { name?: string; version?: string }; logRecords?: ProtoLogRecord[] }[];
  }[];
}

export interface ReceivedLogRecord {
  readonly eventName: string | undefined;
  readonly severityNumber: number | undefined;
  readonly severityText: string | undefined;
  readonly timeUnixNano: string | undefined;
  readonly body: string | undefined;
  readonly scope: string | undefined;
  readonly attributes: Readonly<Record<string, string | number | boolean | undefined>>;
  readonly resource: Readonly<Record<string, string | number | boolean | undefined>>;
}

function plain(value: AnyValue): string | number | boolean | undefined {
  if (value.intValue !== undefined) return Number(value.intValue);
  return value.stringValue ?? value.boolValue ?? value.doubleValue;
}

/** OTLP attributes as a plain record. */
export function map(list: KeyValue[] | undefined): Record<string, string | number | boolean | undefined> {
  return Object.fromEntries((list ?? []).map((kv) => [kv.key, plain(kv.value)]));
}

/** Every log record the receiver has decoded so far (a receiver restart keeps its file). */
export function receivedRecords(receiver: PrivateService): Promise<ReceivedLogRecord[]> {
  return logRecordsIn(join(receiver.runDir, "otlp", "records.jsonl"));
}

/**
 * The log records in a file of OTLP JSON export requests, one per line — what the test receiver writes, and
 * what the OpenTelemetry Collector's file exporter writes.
 */
export async function logRecordsIn(file: string): Promise<ReceivedLogRecord[]> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    return [];
  }
  const records: ReceivedLogRecord[] = [];
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    const request = JSON.parse(line) as ExportLogsServiceRequest;
    for (const rl of request.resourceLogs ?? []) {
      const resource = map(rl.resource?.attributes);
      for (const sl of rl.scopeLogs ?? []) {
        for (const r of sl.logRecords ?? []) {
          records.push({
            eventName: r.eventName,
            severityNumber: r.severityNumber,
            severityText: r.severityText,
            timeUnixNano: r.timeUnixNano,
            body: r.body?.stringValue,
            scope: sl.scope?.name,
            attributes: map(r.attributes),
            resource,
          });
        }
      }
    }
  }
  return records;
}
