// Imported by the launcher before anything else: when tracing is asked for, starts the SDK (sdk.ts) before the
// application's modules load, so that their clients are instrumented; otherwise loads nothing at all.
import { defaultServiceName, TracingConfigError, tracingRequested } from "./config.ts";

function requested(): boolean {
  try {
    return tracingRequested(process.env);
  } catch (error) {
    if (!(error instanceof TracingConfigError)) throw error;
    process.stderr.write(`parmana: ${error.message}\n`);
    process.exit(2);
  }
}

if (requested()) {
  const { startTracing } = await import("./sdk.ts");
  startTracing(defaultServiceName(process.argv[2]));
}
