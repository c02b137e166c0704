// The audit dashboard on DASHBOARD_PORT: static assets (dashboard/ at the package root) under a strict CSP,
// sign-in with an API key that has audit:read, and a small /api that forwards to the server's own audit
// routes. The key never reaches the browser's storage: the server keeps it in memory for a 15-minute session
// and the browser holds only an HttpOnly, SameSite=Strict session cookie. Every /api and /session call must
// carry the X-Parmana-Dashboard header (a cross-site form cannot set it).
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from "fastify";
import type { Logger } from "pino";
import { httpTimeouts } from "../http/index.ts";

const ASSETS = new URL("../../dashboard/", import.meta.url);
const SESSION_COOKIE = "parmana_session";
const SESSION_MS = 15 * 60_000;
const MAX_SESSIONS = 1_000;
const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join("; ");

const STATIC: Readonly<Record<string, { file: string; type: string }>> = {
  "/": { file: "index.html", type: "text/html; charset=utf-8" },
  "/app.js": { file: "app.js", type: "text/javascript; charset=utf-8" },
  "/app.css": { file: "app.css", type: "text/css; charset=utf-8" },
};

/** Dashboard path → the server's route it forwards to (GET unless noted). */
const FORWARD: Readonly<Record<string, string>> = {
  "/api/security": "/audit/security",
  "/api/security/events": "/audit/security/events",
  "/api/decisions": "/audit/decisions",
  "/api/stats": "/audit/stats",
  "/api/health": "/health",
};

interface Session {
  readonly key: string;
  readonly expires: number;
}

export interface DashboardOptions {
  /** The server's API, called in-process with the session's key. */
  readonly api: FastifyInstance;
  readonly logger: Logger;
  /** Headers and body must arrive within this (PARMANA_REQUEST_TIMEOUT_MS). */
  readonly requestTimeoutMs: number;
}

/** The API's error envelope, so the page shows one kind of error whoever answered: {error, code, requestId}. */
function envelope(
  request: FastifyRequest,
  code: string,
  message: string,
): { error: string; code: string; requestId: string } {
  return { error: message, code, requestId: request.id };
}

function cookieOf(request: FastifyRequest): string | undefined {
  const header = request.headers.cookie ?? "";
  for (const part of header.split(";")) {
    const [name, ...rest] = part.trim().split("=");
    if (name === SESSION_COOKIE) return rest.join("=");
  }
  return undefined;
}

function setCookie(reply: FastifyReply, value: string, maxAgeSeconds: number): void {
  reply.header(
    "Set-Cookie",
    `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=${String(maxAgeSeconds)}`,
  );
}

export async function buildDashboard(options: DashboardOptions): Promise<FastifyInstance> {
  const logger: FastifyBaseLogger = options.logger.child({ component: "dashboard" });
  const app = Fastify({
    loggerInstance: logger,
    bodyLimit: 64 * 1024,
    ...httpTimeouts(options.requestTimeoutMs),
  });
  const sessions = new Map<string, Session>();
  const assets = new Map<string, Buffer>();
  for (const { file } of Object.values(STATIC)) assets.set(file, await readFile(new URL(file, ASSETS)));

  app.addHook("onSend", async (_request, reply) => {
    reply.header("Content-Security-Policy", CSP);
    reply.header("X-Content-Type-Options", "nosniff");
    reply.header("Referrer-Policy", "no-referrer");
    reply.header("Cache-Control", "no-store");
  });

  const session = (request: FastifyRequest): Session | undefined => {
    const id = cookieOf(request);
    const found = id === undefined ? undefined : sessions.get(id);
    if (id !== undefined && found && found.expires < Date.now()) sessions.delete(id);
    return found && found.expires >= Date.now() ? found : undefined;
  };
  const fromDashboard = (request: FastifyRequest, reply: FastifyReply): boolean => {
    if (request.headers["x-parmana-dashboard"] === "1") return true;
    void reply.code(403).send(envelope(request, "FORBIDDEN", "missing X-Parmana-Dashboard header"));
    return false;
  };

  for (const [path, { file, type }] of Object.entries(STATIC)) {
    app.get(path, (_request, reply) => reply.type(type).send(assets.get(file)));
  }

  app.post<{ Body: { apiKey?: unknown } }>("/session", async (request, reply) => {
    if (!fromDashboard(request, reply)) return reply;
    const key = typeof request.body.apiKey === "string" ? request.body.apiKey.trim() : "";
    if (key === "" || key.length > 512)
      return reply.code(400).send(envelope(request, "VALIDATION_FAILED", "Enter an API key."));
    const probe = await options.api.inject({
      method: "GET",
      url: "/audit/stats",
      headers: { authorization: `Bearer ${key}`, "x-forwarded-for": request.ip },
    });
    if (probe.statusCode === 401)
      return reply.code(401).send(envelope(request, "UNAUTHORIZED", "That API key was refused."));
    if (probe.statusCode === 403)
      return reply.code(403).send(envelope(request, "FORBIDDEN", "That API key lacks the audit:read scope."));
    if (probe.statusCode !== 200)
      return reply
        .code(503)
        .send(
          envelope(request, "UNAVAILABLE", `The server answered ${String(probe.statusCode)}; try again.`),
        );
    if (sessions.size >= MAX_SESSIONS) {
      for (const [id, s] of sessions) if (s.expires < Date.now()) sessions.delete(id);
      if (sessions.size >= MAX_SESSIONS) sessions.delete(sessions.keys().next().value ?? "");
    }
    const id = randomBytes(32).toString("base64url");
    sessions.set(id, { key, expires: Date.now() + SESSION_MS });
    setCookie(reply, id, SESSION_MS / 1000);
    return reply.code(204).send();
  });

  app.delete("/session", async (request, reply) => {
    if (!fromDashboard(request, reply)) return reply;
    const id = cookieOf(request);
    if (id !== undefined) sessions.delete(id);
    setCookie(reply, "", 0);
    return reply.code(204).send();
  });

  app.get("/api/session", async (request, reply) => {
    if (!fromDashboard(request, reply)) return reply;
    const s = session(request);
    return reply.send({ signedIn: s !== undefined, expiresAt: s ? new Date(s.expires).toISOString() : null });
  });

  const forward = async (
    request: FastifyRequest,
    reply: FastifyReply,
    method: "GET" | "POST",
    target: string,
  ): Promise<FastifyReply> => {
    if (!fromDashboard(request, reply)) return reply;
    const s = session(request);
    if (!s)
      return reply
        .code(401)
        .send(envelope(request, "UNAUTHORIZED", "Your session has ended; sign in again."));
    const query = request.url.includes("?") ? request.url.slice(request.url.indexOf("?")) : "";
    const answer = await options.api.inject({
      method,
      url: `${target}${query}`,
      headers: {
        authorization: `Bearer ${s.key}`,
        "x-forwarded-for": request.ip,
        "content-type": "application/json",
      },
      ...(method === "POST" && { payload: JSON.stringify(request.body ?? {}) }),
    });
    return reply.code(answer.statusCode).type("application/json; charset=utf-8").send(answer.body);
  };
  for (const [path, target] of Object.entries(FORWARD)) {
    app.get(path, (request, reply) => forward(request, reply, "GET", target));
  }
  app.get<{ Params: { executionId: string } }>("/api/decisions/:executionId", (request, reply) =>
    forward(request, reply, "GET", `/audit/decisions/${encodeURIComponent(request.params.executionId)}`),
  );
  app.post("/api/verify", (request, reply) => forward(request, reply, "POST", "/verify"));
  return app;
}
