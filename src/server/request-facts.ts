// Who made a request and what it was, as security events record them.
import type { FastifyRequest } from "fastify";

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
