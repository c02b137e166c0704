// The spans Parmana opens around its own steps (reserve, evaluate, sign, audit, confirm, an export batch), over
// the OpenTelemetry API. Tracing off — the default — costs one boolean test per step: no span, no context.
// When the SDK is started (sdk.ts) each step is an active span, so the Redis and Postgres client spans the
// instrumentations open inside it are its children.
import { SpanStatusCode, trace, type Attributes, type Span } from "@opentelemetry/api";

let enabled = false;
let flush: (() => Promise<void>) | undefined;

const tracer = trace.getTracer("parmana");

/** Called by the SDK bootstrap once a tracer provider is registered; `shutdown` flushes it at exit. */
export function enableSpans(shutdown: () => Promise<void>): void {
  enabled = true;
  flush = shutdown;
}

export function tracingEnabled(): boolean {
  return enabled;
}

/** Exports the spans still buffered (at shutdown); nothing when tracing is off. */
export async function flushTracing(): Promise<void> {
  await flush?.().catch(() => undefined);
}

function failed(span: Span, error: unknown): void {
  span.recordException(error instanceof Error ? error : String(error));
  span.setStatus({
    code: SpanStatusCode.ERROR,
    message: error instanceof Error ? error.message : String(error),
  });
}

/** Runs `fn` inside a span named `name` (when tracing is on); the span ends when its promise settles. */
export function inSpan<T>(name: string, fn: () => Promise<T>, attributes?: Attributes): Promise<T> {
  if (!enabled) return fn();
  return tracer.startActiveSpan(name, { ...(attributes && { attributes }) }, async (span) => {
    try {
      return await fn();
    } catch (error) {
      failed(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}

/** inSpan for synchronous work (evaluate, sign). */
export function inSpanSync<T>(name: string, fn: () => T): T {
  if (!enabled) return fn();
  return tracer.startActiveSpan(name, (span) => {
    try {
      return fn();
    } catch (error) {
      failed(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}

/** The active trace and span ids (to store beside a decision or an event), or undefined when there are none. */
export function currentTrace(): { traceId: string; spanId: string } | undefined {
  if (!enabled) return undefined;
  const context = trace.getActiveSpan()?.spanContext();
  if (!context || !trace.isSpanContextValid(context)) return undefined;
  return { traceId: context.traceId, spanId: context.spanId };
}

/** Names the HTTP server span after its route (`POST /execute`), as the HTTP semantic conventions ask. */
export function nameServerSpan(method: string, route: string | undefined): void {
  if (!enabled || route === undefined) return;
  const span = trace.getActiveSpan();
  span?.updateName(`${method} ${route}`);
  span?.setAttribute("http.route", route);
}
