// Who made a request and what it was: read off the request once, as plain data for the decisions and for
// every security event.
import type { FastifyRequest } from "fastify";
import type { Caller } from "../decisions/index.ts";
import { currentTrace } from "../tracing/index.ts";

export function callerOf(request: FastifyRequest): Caller {
  const agent = request.headers["user-agent"];
  return {
    apiKeyId: request.apiKey?.id,
    clientIp: request.ip,
    userAgent: typeof agent === "string" ? agent : undefined,
    method: request.method,
    path: request.routeOptions.url ?? request.url,
    requestId: request.id,
    trace: currentTrace(),
  };
}

/** The trace the request runs in (undefined when tracing is off). */
export const traceOf = currentTrace;

export function actorOf(request: FastifyRequest): {
  apiKeyId: string | undefined;
  clientIp: string;
  userAgent: string | undefined;
} {
  const agent = request.headers["user-agent"];
  return {
    apiKeyId: request.apiKey?.id,
    clientIp: request.ip,
    userAgent: typeof agent === "string" ? agent : undefined,
  };
}

export function requestOf(request: FastifyRequest): { method: string; path: string; requestId: string } {
  return { method: request.method, path: request.routeOptions.url ?? request.url, requestId: request.id };
}
