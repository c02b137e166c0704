// Distributed tracing: the spans around Parmana's own steps, and whether tracing is on.
export { inSpan, inSpanSync, currentTrace, flushTracing, nameServerSpan, tracingEnabled } from "./spans.ts";
export { tracingRequested, defaultServiceName, TracingConfigError } from "./config.ts";
