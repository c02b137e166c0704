// Reads the spans the OpenTelemetry Collector's file exporter wrote (test/infra/otelcol): one OTLP JSON
// ExportTraceServiceRequest per line, flattened here to spans with their resource and scope.
import { readFile } from "node:fs/promises";
import { map, type KeyValue } from "./otlp-receiver.ts";

interface ProtoSpan {
  traceId?: string;
  spanId?: string;
  parentSpanId?: string;
  name?: string;
  kind?: number;
  attributes?: KeyValue[];
}
interface ExportTraceServiceRequest {
  resourceSpans?: {
    resource?: { attributes?: KeyValue[] };
    scopeSpans?: { scope?: { name?: string }; spans?: ProtoSpan[] }[];
  }[];
}

export interface ReceivedSpan {
  readonly traceId: string;
  readonly spanId: string;
  /** Empty for a root span. */
  readonly parentSpanId: string;
  readonly name: string;
  /** OTLP SpanKind: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  readonly kind: number;
  readonly scope: string;
  readonly attributes: Readonly<Record<string, string | number | boolean | undefined>>;
  readonly resource: Readonly<Record<string, string | number | boolean | undefined>>;
}

function flatten(request: ExportTraceServiceRequest): ReceivedSpan[] {
  return (request.resourceSpans ?? []).flatMap((rs) => {
    const resource = map(rs.resource?.attributes);
    return (rs.scopeSpans ?? []).flatMap((ss) =>
      (ss.spans ?? []).map((s) => ({
        traceId: s.traceId ?? "",
        spanId: s.spanId ?? "",
        parentSpanId: s.parentSpanId ?? "",
        name: s.name ?? "",
        kind: s.kind ?? 0,
        scope: ss.scope?.name ?? "",
        attributes: map(s.attributes),
        resource,
      })),
    );
  });
}

export async function spansIn(file: string): Promise<ReceivedSpan[]> {
  const text = await readFile(file, "utf8").catch(() => "");
  return text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .flatMap((line) => flatten(JSON.parse(line) as ExportTraceServiceRequest));
}

/** Whether `span` descends from the span `ancestorId` within its trace. */
export function descendsFrom(
  span: ReceivedSpan,
  ancestorId: string,
  trace: readonly ReceivedSpan[],
): boolean {
  const byId = new Map(trace.map((s) => [s.spanId, s]));
  let parent = span.parentSpanId;
  for (let hops = 0; parent !== "" && hops < 64; hops++) {
    if (parent === ancestorId) return true;
    parent = byId.get(parent)?.parentSpanId ?? "";
  }
  return false;
}
