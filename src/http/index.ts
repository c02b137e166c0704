// HTTP pieces shared by the API server, the dashboard and the operator.
export { checkingIntervalMs, httpTimeouts } from "./timeouts.ts";
export { serveMetrics, type MetricsServer, type MetricsSource } from "./metrics-server.ts";
export { Drain } from "./drain.ts";
