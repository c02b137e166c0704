// The one Prometheus endpoint both processes serve: GET /metrics from a registry, and the liveness and
// readiness paths a kubelet probes (`/healthz`, `/readyz` where the process has no richer answer).
import { createServer, type Server } from "node:http";

export interface MetricsSource {
  metrics(): Promise<string>;
  readonly contentType: string;
}

export interface MetricsServer {
  readonly server: Server;
  /** http://host:port/metrics as bound (port 0 resolved). */
  readonly url: string;
  close(): Promise<void>;
}

export async function serveMetrics(
  registry: MetricsSource,
  host: string,
  port: number,
  options: { readonly probes?: boolean } = {},
): Promise<MetricsServer> {
  const server = createServer((request, response) => {
    const path = (request.url ?? "/").split("?")[0];
    if (path === "/metrics") {
      registry
        .metrics()
        .then((text) => response.writeHead(200, { "content-type": registry.contentType }).end(text))
        .catch(() => response.writeHead(500).end());
      return;
    }
    if (options.probes === true && (path === "/healthz" || path === "/readyz")) {
      response.writeHead(200, { "content-type": "text/plain" }).end("ok\n");
      return;
    }
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      resolve();
    });
  });
  const address = server.address();
  const bound =
    typeof address === "object" && address
      ? `http://${address.family === "IPv6" ? `[${address.address}]` : address.address === "0.0.0.0" ? "127.0.0.1" : address.address}:${String(address.port)}`
      : "";
  return {
    server,
    url: `${bound}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      }),
  };
}
