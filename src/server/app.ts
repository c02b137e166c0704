// Builds the governance server's fastify app: infrastructure (errors, request ids, auth, rate limits,
// OpenAPI) first, then the routes. It only builds; start.ts listens, and tests use app.inject().
import { randomUUID } from "node:crypto";
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from "fastify";
import rateLimit from "@fastify/rate-limit";
import { httpTimeouts, type Drain } from "../http/index.ts";
import swagger from "@fastify/swagger";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import { SecurityEventType } from "../events/index.ts";
import { hasScope } from "./api-keys.ts";
import type { ServerContext } from "./context.ts";
import { ApiError, ErrorCode } from "./errors.ts";
import { nameServerSpan } from "../tracing/index.ts";
import { actorOf, requestOf, traceOf } from "./request-facts.ts";
import { auditRoutes } from "./routes/audit.ts";
import { decisionRoutes } from "./routes/decisions.ts";
import { healthRoutes } from "./routes/health.ts";
import { runtimeRoutes } from "./routes/runtime.ts";
import { packageVersion } from "../version.ts";
import { countUnhandled, executeBudget } from "./execute-budget.ts";

export type App = FastifyInstance;

const SMALL_BODY = 64 * 1024;
const LARGE_BODY = 1024 * 1024;
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export interface BuildOptions {
  /** A pino logger, or false for none (tests). */
  readonly logger?: FastifyBaseLogger | false;
  /** The server's drain before a stop: readiness fails and responses close their connections while it runs. */
  readonly drain?: Drain;
}

/** What the route's limit is, from its path. */
function routeLimit(ctx: ServerContext, url: string): number {
  const limits = ctx.config.rateLimits;
  if (url === "/execute" || url === "/evaluate") return limits.execute;
  if (url.startsWith("/audit")) return limits.audit;
  if (url.startsWith("/health")) return limits.health;
  if (url === "/override") return limits.audit;
  return limits.verify;
}

/** Reads `Authorization: Bearer <key>` and resolves the key; never rejects by itself. */
function identify(ctx: ServerContext, request: FastifyRequest): void {
  request.apiKey = undefined;
  request.authProblem = undefined;
  const header = request.headers.authorization;
  if (header === undefined) {
    request.authProblem = "missing";
    return;
  }
  const match = /^Bearer ([\x21-\x7e]{1,512})$/.exec(header);
  if (!match?.[1]) {
    request.authProblem = "malformed";
    return;
  }
  request.apiKey = ctx.keys.authenticate(match[1]);
  if (!request.apiKey) request.authProblem = "unknown";
}

function raiseUnauthorized(ctx: ServerContext, request: FastifyRequest, reason: string): void {
  ctx.events.raise({
    type: SecurityEventType.unauthorizedAccess,
    message: `${request.method} ${request.routeOptions.url ?? request.url} refused: ${reason}`,
    actor: actorOf(request),
    request: requestOf(request),
    trace: traceOf(),
    details: { reason },
  });
}

/** Enforces the route's scope, after the rate limiter has counted the request. */
function authorize(ctx: ServerContext, request: FastifyRequest, reply: FastifyReply): void {
  const scope = request.routeOptions.config.scope;
  if (scope === undefined) return;
  if (!request.apiKey) {
    raiseUnauthorized(ctx, request, request.authProblem ?? "unknown");
    void reply.header("www-authenticate", 'Bearer realm="parmana"');
    throw new ApiError(
      401,
      ErrorCode.unauthorized,
      "a valid API key is required: Authorization: Bearer <key>",
    );
  }
  if (!hasScope(request.apiKey, scope)) {
    raiseUnauthorized(ctx, request, "scope");
    throw new ApiError(403, ErrorCode.forbidden, `API key "${request.apiKey.id}" lacks the "${scope}" scope`);
  }
}

function errorBody(
  request: FastifyRequest,
  code: string,
  message: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return { error: message, code, requestId: request.id, ...extra };
}

type FrameworkError = FastifyError;

function validationMessage(error: FrameworkError): string {
  const first = error.validation?.[0];
  const where = `${error.validationContext ?? "body"}${first?.instancePath ?? ""}`;
  const extra: unknown = first?.params["additionalProperty"];
  return `${where} ${typeof extra === "string" ? `unknown field "${extra}"` : (first?.message ?? "is invalid")}`;
}

/** The framework's own errors (validation, body parsing, rate limiting) as status, code and message. */
function frameworkError(
  error: FrameworkError,
  request: FastifyRequest,
): { status: number; body: Record<string, unknown> } | undefined {
  const code: unknown = error.code;
  if (error.validation)
    return { status: 400, body: errorBody(request, ErrorCode.validationFailed, validationMessage(error)) };
  if (code === "RATE_LIMITED") {
    const { statusCode: _s, ...body } = error as unknown as Record<string, unknown>;
    return { status: 429, body: { ...body, requestId: request.id } };
  }
  const known: Record<string, [number, ErrorCode, string]> = {
    FST_ERR_CTP_BODY_TOO_LARGE: [413, ErrorCode.bodyTooLarge, "the request body is too large"],
    FST_ERR_CTP_INVALID_MEDIA_TYPE: [
      415,
      ErrorCode.unsupportedMediaType,
      "send JSON with Content-Type: application/json",
    ],
    FST_ERR_CTP_EMPTY_JSON_BODY: [400, ErrorCode.invalidJson, "the request body is empty"],
    FST_ERR_CTP_INVALID_JSON_BODY: [400, ErrorCode.invalidJson, "the request body is not valid JSON"],
  };
  const match = typeof code === "string" ? known[code] : undefined;
  if (match) return { status: match[0], body: errorBody(request, match[1], match[2]) };
  // JSON.parse throws SyntaxError for bad JSON and RangeError for nesting deeper than the stack allows.
  if ((error instanceof SyntaxError || error instanceof RangeError) && error.statusCode === undefined) {
    return {
      status: 400,
      body: errorBody(request, ErrorCode.invalidJson, "the request body is not valid JSON"),
    };
  }
  return undefined;
}

/** Turns any error into the API's error body; nothing internal leaves in a 5xx. */
function handleError(error: FrameworkError, request: FastifyRequest, reply: FastifyReply): void {
  if (error instanceof ApiError) {
    void reply.status(error.statusCode).send(errorBody(request, error.code, error.message, error.extra));
    return;
  }
  const mapped = frameworkError(error, request);
  if (mapped) {
    void reply.status(mapped.status).send(mapped.body);
    return;
  }
  const status =
    error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500
      ? error.statusCode
      : 500;
  if (status === 500) {
    request.log.error({ err: error }, "unhandled error");
    void reply
      .status(500)
      .send(errorBody(request, ErrorCode.internal, "internal error; quote the request id to an operator"));
    return;
  }
  void reply
    .status(status)
    .send(
      errorBody(request, status === 404 ? ErrorCode.notFound : ErrorCode.validationFailed, error.message),
    );
}

async function registerInfrastructure(app: FastifyInstance, ctx: ServerContext): Promise<void> {
  app.decorateRequest("apiKey", undefined);
  app.decorateRequest("authProblem", undefined);
  app.setErrorHandler(handleError);
  // JSON only: a text body is 415, never a string that happens to pass a schema.
  app.removeContentTypeParser("text/plain");
  app.setNotFoundHandler((request, reply) => {
    void reply
      .status(404)
      .send(
        errorBody(
          request,
          ErrorCode.notFound,
          `no route ${request.method} ${request.url.split("?")[0] ?? ""}`,
        ),
      );
  });
  app.addHook("onRequest", (request, reply, done) => {
    void reply.header("x-request-id", request.id);
    nameServerSpan(request.method, request.routeOptions.url);
    identify(ctx, request);
    done();
  });
  app.addHook("onResponse", (request, reply, done) => {
    request.log.debug(
      { method: request.method, url: request.url, status: reply.statusCode, ms: reply.elapsedTime },
      "request",
    );
    ctx.accessLog?.record({
      requestId: request.id,
      apiKeyId: request.apiKey?.id ?? null,
      method: request.method,
      path: request.routeOptions.url ?? "(unmatched)",
      status: reply.statusCode,
      durationMs: reply.elapsedTime,
      at: new Date(),
    });
    done();
  });

  await app.register(swagger, {
    openapi: {
      openapi: "3.0.3",
      info: { title: "Parmana governance server", version: packageVersion() },
      components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
    },
  });

  await app.register(rateLimit, {
    global: true,
    hook: "onRequest",
    timeWindow: 60_000,
    max: (request) => routeLimit(ctx, request.routeOptions.url ?? ""),
    keyGenerator: (request) =>
      `${request.routeOptions.url ?? "?"}|${request.apiKey ? `key:${request.apiKey.id}` : `ip:${request.ip}`}`,
    nameSpace: ctx.config.rateLimits.namespace,
    skipOnError: true,
    // An authenticated /execute is counted with its reservation, in the same Redis step (execute-budget.ts).
    allowList: (request) => executeBudget(ctx, request) !== undefined,
    ...(ctx.redis && { redis: ctx.redis }),
    errorResponseBuilder: (request, context) => ({
      statusCode: 429,
      error: `rate limit of ${String(context.max)} requests per minute exceeded; retry in ${context.after}`,
      code: "RATE_LIMITED",
      limit: context.max,
      remaining: 0,
      reset: Math.ceil((Date.now() + context.ttl) / 1000),
      requestId: request.id,
    }),
    onExceeded: (request) => {
      const path = request.routeOptions.url ?? request.url;
      if (path !== "/execute" && !ctx.config.rateLimits.eventsOnAllRoutes) return;
      ctx.events.raise({
        type: SecurityEventType.rateLimitExceeded,
        message: `rate limit exceeded on ${request.method} ${path}`,
        actor: actorOf(request),
        request: requestOf(request),
        trace: traceOf(),
        details: { limit: routeLimit(ctx, path) },
      });
    },
  });
  app.addHook("onSend", (request, _reply, payload, done) => {
    countUnhandled(ctx, request);
    done(null, payload);
  });
  // Scopes are enforced after the rate limiter (a route-level onRequest hook) has counted the request, so
  // that guessing keys is rate-limited too.
  app.addHook("preParsing", (request, reply, payload, done) => {
    authorize(ctx, request, reply);
    done(null, payload);
  });
}

export async function buildApp(ctx: ServerContext, options: BuildOptions = {}): Promise<App> {
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    bodyLimit: LARGE_BODY,
    // Every request is already an audit_api_access row; per-request log lines are debug-level only.
    logController: new LogController({ disableRequestLogging: true }),
    requestIdHeader: false,
    genReqId: (request) => {
      const given = request.headers["x-request-id"];
      return typeof given === "string" && REQUEST_ID.test(given) ? given : randomUUID();
    },
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
    return503OnClosing: true,
    forceCloseConnections: "idle",
    ...httpTimeouts(ctx.config.requestTimeoutMs),
    // Path parameters are executionIds (up to 200 characters by schema); longer ones reach the schema and get
    // its 400 instead of the router's undocumented 414.
    routerOptions: { maxParamLength: 1_024 },
    keepAliveTimeout: 5_000,
  }).withTypeProvider<TypeBoxTypeProvider>();

  await registerInfrastructure(app, ctx);
  options.drain?.install(app);
  const small = { bodyLimit: SMALL_BODY };
  healthRoutes(app, ctx, options.drain);
  decisionRoutes(app, ctx, small);
  runtimeRoutes(app, ctx);
  auditRoutes(app, ctx);
  app.get("/openapi.json", { schema: { hide: true } }, () => app.swagger());
  await app.ready();
  return app;
}
