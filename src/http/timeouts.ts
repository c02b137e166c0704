// Slow clients (slowloris) must not hold connections: every request's headers and body must arrive within
// one deadline, an idle connection is closed after it, and Node checks the deadline often enough for it to
// mean what it says (by default it checks every 30 s, so a 1 s deadline could hold a socket for 31 s).
import type { ServerOptions } from "node:http";

/** How often Node looks for requests past their deadline: a quarter of it, between 100 ms and 1 s. */
export function checkingIntervalMs(requestTimeoutMs: number): number {
  return Math.min(1_000, Math.max(100, Math.floor(requestTimeoutMs / 4)));
}

/** Fastify options bounding how long a connection may take to send a request, or sit idle. */
export function httpTimeouts(requestTimeoutMs: number): {
  connectionTimeout: number;
  requestTimeout: number;
  http: ServerOptions;
} {
  return {
    connectionTimeout: requestTimeoutMs,
    requestTimeout: requestTimeoutMs,
    http: {
      requestTimeout: requestTimeoutMs,
      headersTimeout: requestTimeoutMs,
      connectionsCheckingInterval: checkingIntervalMs(requestTimeoutMs),
    },
  };
}
