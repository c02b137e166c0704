// Starts @opentelemetry/sdk-node for this process: traces only, exported as OTEL_TRACES_EXPORTER and the
// OTEL_EXPORTER_OTLP_* variables say (http/protobuf OTLP by default); instrumentations for http (the server's
// requests, continuing an incoming traceparent, and its outgoing calls), pg, ioredis and kafkajs.
//
// No global logger or meter provider is made: the security-event and decision log sinks export through their
// own LoggerProvider and acknowledge each batch (ADR 0004), and metrics are prom-client's. ioredis is loaded as
// ESM here, so the import-in-the-middle hook must be registered before the application's modules load: the
// launcher imports bootstrap.ts first (ADR 0016).
import { register as registerLoader } from "node:module";
import { register, supportsSyncHooks } from "import-in-the-middle/register-hooks.mjs";
import { NodeSDK } from "@opentelemetry/sdk-node";
import { HttpInstrumentation } from "@opentelemetry/instrumentation-http";
import { IORedisInstrumentation } from "@opentelemetry/instrumentation-ioredis";
import { KafkaJsInstrumentation } from "@opentelemetry/instrumentation-kafkajs";
import { PgInstrumentation } from "@opentelemetry/instrumentation-pg";
import { enableSpans } from "./spans.ts";

/** The packages whose ESM imports the hook intercepts (only these: every other module loads untouched). */
const HOOKED = ["ioredis", "kafkajs", "pg"];

/** In-thread synchronous hooks where Node has them (24.11.1+), else the asynchronous loader thread. */
function hookImports(): void {
  if (supportsSyncHooks()) {
    register({ include: HOOKED });
    return;
  }
  // eslint-disable-next-line @typescript-eslint/no-deprecated -- the fallback for a Node without sync hooks
  registerLoader("@opentelemetry/instrumentation/hook.mjs", import.meta.url, { data: { include: HOOKED } });
}

export function startTracing(serviceName: string): void {
  hookImports();
  const sdk = new NodeSDK({
    ...(process.env["OTEL_SERVICE_NAME"] === undefined && { serviceName }),
    instrumentations: [
      new HttpInstrumentation({
        // Probes and scrapes are not decisions: no trace for them.
        ignoreIncomingRequestHook: (request) =>
          request.url === "/health" || request.url === "/ready" || request.url === "/metrics",
      }),
      new PgInstrumentation({ requireParentSpan: true }),
      new IORedisInstrumentation({ requireParentSpan: true }),
      new KafkaJsInstrumentation(),
    ],
    logRecordProcessors: [],
    metricReaders: [],
  });
  sdk.start();
  enableSpans(() => sdk.shutdown());
}
