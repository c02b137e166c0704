// The decision routes: schema, one call into src/decisions, and the error mapping (src/server/decision-errors).
import type { FastifyInstance } from "fastify";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import {
  DecisionError,
  evaluateDecision,
  executeDecision,
  overrideDecision,
  verifyDecision,
} from "../../decisions/index.ts";
import type { ServerContext } from "../context.ts";
import { decisionDeps } from "../decision-deps.ts";
import { httpError } from "../decision-errors.ts";
import { budgetTaken, executeBudget, rateHeaders } from "../execute-budget.ts";
import { callerOf } from "../request-facts.ts";
import {
  errorResponses,
  EvaluateBody,
  EvaluateResponse,
  ExecuteBody,
  ExecuteResponse,
  OverrideBody,
  OverrideResponse,
  VerifyBody,
  VerifyResponse,
} from "../schemas.ts";

/** Runs `work`, turning a DecisionError into the API error its kind maps to. */
async function mapped<T>(work: () => T | Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw error instanceof DecisionError ? httpError(error) : error;
  }
}

export function decisionRoutes(app: FastifyInstance, ctx: ServerContext, small: { bodyLimit: number }): void {
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();
  const errors = errorResponses(400, 401, 403, 404, 409, 413, 422, 429, 503);
  const deps = decisionDeps(ctx, app.log);
  const route = (scope: "execute" | "verify" | "override") => ({
    ...small,
    config: { scope },
  });
  const doc = { tags: ["decisions"], security: [{ bearer: [] }] };

  typed.post(
    "/execute",
    {
      ...route("execute"),
      schema: { ...doc, body: ExecuteBody, response: { 200: ExecuteResponse, ...errors } },
    },
    async (request, reply) => {
      const stop = ctx.metrics.executeDuration.startTimer();
      const budget = executeBudget(ctx, request);
      budgetTaken(request);
      try {
        const result = await executeDecision(
          deps,
          { ...request.body, ...(budget && { budget }) },
          callerOf(request),
        ).catch((error: unknown) => {
          if (error instanceof DecisionError && error.kind === "rate_limited")
            rateHeaders(reply, error.details as { max: number; count: number; resetInMs: number }, true);
          throw error instanceof DecisionError ? httpError(error) : error;
        });
        ctx.metrics.executeRequests.inc({ outcome: result.replayed ? "replayed" : result.status });
        // A retry of a decision already made: its original attestation, as signed (IETF idempotency-key
        // semantics; the body is the first answer's).
        if (result.replayed) void reply.header("Parmana-Replayed", "true");
        if (result.rate) rateHeaders(reply, result.rate, false);
        const { replayed: _replayed, rate: _rate, ...body } = result;
        return body;
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        ctx.metrics.executeRequests.inc({ outcome: typeof code === "string" ? code : "error" });
        throw error;
      } finally {
        stop();
      }
    },
  );

  typed.post(
    "/evaluate",
    {
      ...route("execute"),
      schema: { ...doc, body: EvaluateBody, response: { 200: EvaluateResponse, ...errors } },
    },
    (request) => mapped(() => evaluateDecision(deps, request.body, callerOf(request))),
  );

  typed.post(
    "/verify",
    {
      ...route("verify"),
      schema: { ...doc, body: VerifyBody, response: { 200: VerifyResponse, ...errors } },
    },
    (request) =>
      mapped(() => verifyDecision(deps, request.body as Record<string, unknown>, callerOf(request))),
  );

  typed.post(
    "/override",
    {
      ...route("override"),
      schema: { ...doc, body: OverrideBody, response: { 200: OverrideResponse, ...errors } },
    },
    (request) => mapped(() => overrideDecision(deps, request.body, callerOf(request))),
  );
}
