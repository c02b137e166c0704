// The decision routes: /execute (reserve → evaluate → sign → audit → confirm, failing closed at every step),
// /evaluate (dry run), /verify and /override.
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { Static } from "typebox";
import { canonicalize, sha256Hex, SigningDomain, signPayload } from "../../crypto/index.ts";
import { evaluatePolicy, validateSignals, type Signals } from "../../policy/index.ts";
import {
  executionFingerprint,
  signAttestation,
  verifyAttestation,
  type Attestation,
} from "../../attest/index.ts";
import type { VerifiedBundle } from "../../bundle/index.ts";
import { ReplayStoreUnavailableError, type Reservation } from "../../replay/index.ts";
import { AuditUnavailableError } from "../../audit/index.ts";
import { SecurityEventType } from "../../events/index.ts";
import type { ServerContext } from "../context.ts";
import { ApiError, ErrorCode } from "../errors.ts";
import { actorOf, requestOf } from "../request-facts.ts";
import {
  errorResponses,
  EvaluateBody,
  type OverrideRecord,
  EvaluateResponse,
  ExecuteBody,
  ExecuteResponse,
  type ExecuteBody as ExecuteBodyType,
  OverrideBody,
  OverrideResponse,
  type OverrideBody as OverrideBodyType,
  VerifyBody,
  VerifyResponse,
} from "../schemas.ts";

/** The verified bundle a request names, or the API error that says why there is none. */
function bundleFor(
  ctx: ServerContext,
  request: FastifyRequest,
  policyId: string,
  policyVersion: string,
): VerifiedBundle {
  const bundle = ctx.bundles.find(policyId, policyVersion);
  if (bundle) return bundle;
  const failure = ctx.bundles.failure(policyId, policyVersion);
  if (failure) {
    ctx.events.raise({
      type: SecurityEventType.invalidPolicy,
      message: `request named bundle ${policyId} ${policyVersion}, which failed verification (${failure.reason})`,
      actor: actorOf(request),
      request: requestOf(request),
      policy: { policyId, policyVersion },
      details: { reason: failure.reason },
    });
    throw new ApiError(
      422,
      ErrorCode.invalidPolicy,
      `bundle ${policyId} ${policyVersion} failed verification (${failure.reason}) and is not served`,
    );
  }
  throw new ApiError(
    404,
    ErrorCode.policyNotFound,
    `no verified bundle for policy ${policyId} version ${policyVersion}`,
  );
}

function normalisedSignals(bundle: VerifiedBundle, signals: unknown): Signals {
  const result = validateSignals(bundle.policy.policy, signals);
  if (result.ok) return result.signals;
  const [first] = result.errors;
  throw new ApiError(422, first?.code ?? "VAL-001", first?.message ?? "signals are invalid", {
    errors: result.errors,
  });
}

async function timed<T>(observe: (seconds: number) => void, work: () => Promise<T>): Promise<T> {
  const start = performance.now();
  try {
    return await work();
  } finally {
    observe((performance.now() - start) / 1000);
  }
}

interface ExecuteFlow {
  readonly ctx: ServerContext;
  readonly request: FastifyRequest;
  readonly executionId: string;
  readonly fingerprint: string;
  readonly bundle: VerifiedBundle;
}

async function reserve(flow: ExecuteFlow): Promise<string> {
  const { ctx, request, executionId, fingerprint, bundle } = flow;
  let reservation: Reservation;
  try {
    reservation = await timed(
      (s) => {
        ctx.metrics.replayStoreDuration.observe({ operation: "reserve" }, s);
      },
      () => ctx.replay.reserve(executionId, fingerprint),
    );
  } catch (error) {
    if (error instanceof ReplayStoreUnavailableError) {
      request.log.error({ err: error }, "replay store unavailable; refusing to execute");
      throw new ApiError(
        503,
        ErrorCode.replayStoreUnavailable,
        "the replay store is unavailable; no decision was made (fail closed)",
      );
    }
    throw error;
  }
  if (reservation.outcome === "reserved") return reservation.token;
  const inFlight = reservation.outcome === "in_flight";
  ctx.events.raise({
    type: SecurityEventType.replayAttempt,
    message: inFlight
      ? `executionId ${executionId} is already being executed`
      : `executionId ${executionId} was already consumed`,
    actor: actorOf(request),
    request: requestOf(request),
    policy: {
      policyId: bundle.policyId,
      policyVersion: bundle.policyVersion,
      bundleHash: bundle.bundleHash,
      revision: bundle.revision,
    },
    execution: { executionId, fingerprint },
    details: {
      state: reservation.outcome === "consumed" ? reservation.state : "RESERVED",
      sameSignals: reservation.fingerprint === fingerprint,
    },
  });
  if (inFlight)
    throw new ApiError(
      409,
      ErrorCode.replayInFlight,
      `executionId ${executionId} is being executed by another request`,
    );
  throw new ApiError(
    422,
    ErrorCode.replayed,
    `[INV-013@replay] executionId ${executionId} was already consumed; each executionId decides once`,
  );
}

/** Releases the reservation as FAILED; the caller may retry the id after the short FAILED TTL. */
async function release(flow: ExecuteFlow, token: string): Promise<void> {
  await flow.ctx.replay.fail(flow.executionId, token).catch((error: unknown) => {
    flow.request.log.warn({ err: error }, "could not release a reservation; it expires on its own");
  });
}

function signAndCheck(
  flow: ExecuteFlow,
  signals: Signals,
  outcome: { ruleId: string; action: string; requires_override: boolean; reason: string },
): Attestation {
  const { ctx, bundle } = flow;
  const attestation = signAttestation(
    {
      executionId: flow.executionId,
      policyId: bundle.policyId,
      policyVersion: bundle.policyVersion,
      schemaVersion: bundle.policy.policy.schemaVersion,
      signals,
      decision: {
        action: outcome.action,
        requires_override: outcome.requires_override,
        reason: outcome.reason,
        ruleId: outcome.ruleId,
      },
      runtimeVersion: ctx.runtime.runtimeVersion,
      runtimeHash: ctx.runtime.runtimeHash,
      bundleHash: bundle.bundleHash,
      manifestHash: bundle.manifestHash,
      bundleRevision: bundle.revision,
      issuedAt: new Date(),
    },
    ctx.signer,
  );
  if (!verifyAttestation(attestation, [ctx.signer.publicKey]).checks.signature_verified) {
    ctx.events.raise({
      type: SecurityEventType.signatureFailure,
      message: "the server's own attestation failed its self-check",
      actor: actorOf(flow.request),
      request: requestOf(flow.request),
      execution: { executionId: flow.executionId, fingerprint: flow.fingerprint },
      details: { stage: "self-check" },
    });
    throw new ApiError(
      500,
      ErrorCode.internal,
      "the attestation failed its self-check; no decision was issued",
    );
  }
  return attestation;
}

function isUniqueViolation(error: unknown): boolean {
  return (
    error instanceof AuditUnavailableError &&
    (error.cause as { code?: unknown } | undefined)?.code === "23505"
  );
}

async function audit(flow: ExecuteFlow, attestation: Attestation, token: string): Promise<void> {
  const { ctx, request } = flow;
  if (!ctx.audit) return;
  try {
    await timed(
      (s) => {
        ctx.metrics.auditWriteDuration.observe({ table: "audit_decisions" }, s);
      },
      async () =>
        ctx.audit?.recordDecision({
          attestation,
          apiKeyId: request.apiKey?.id ?? null,
          requestId: request.id,
        }),
    );
  } catch (error) {
    await release(flow, token);
    if (isUniqueViolation(error)) {
      // The audit table already holds this id (its reservation expired and was taken again): a replay.
      throw new ApiError(
        422,
        ErrorCode.replayed,
        `[INV-013@replay] executionId ${flow.executionId} was already consumed; each executionId decides once`,
      );
    }
    if (ctx.config.auditRequired) {
      request.log.error({ err: error }, "audit write failed; refusing to issue the attestation");
      throw new ApiError(
        503,
        ErrorCode.auditUnavailable,
        "the audit store is unavailable; no decision was issued (audit is required)",
      );
    }
    request.log.warn({ err: error }, "audit write failed; continuing because audit is not required");
  }
}

async function confirm(flow: ExecuteFlow, token: string, pending: boolean): Promise<void> {
  const { ctx, executionId } = flow;
  let done: boolean;
  try {
    done = await timed(
      (s) => {
        ctx.metrics.replayStoreDuration.observe({ operation: "confirm" }, s);
      },
      () => ctx.replay.complete(executionId, token, pending ? "PENDING_OVERRIDE" : "CONFIRMED"),
    );
  } catch {
    done = false;
  }
  if (!done) {
    throw new ApiError(
      503,
      ErrorCode.replayStoreUnavailable,
      "the reservation could not be confirmed; the decision is audited but not released (fail closed)",
    );
  }
}

async function execute(
  ctx: ServerContext,
  request: FastifyRequest,
  body: ExecuteBodyType,
): Promise<{ status: string; requires_override: boolean; attestation: Attestation }> {
  const bundle = bundleFor(ctx, request, body.policyId, body.policyVersion);
  const signals = normalisedSignals(bundle, body.signals);
  const flow: ExecuteFlow = {
    ctx,
    request,
    executionId: body.executionId,
    fingerprint: executionFingerprint(bundle.policyId, bundle.policyVersion, signals),
    bundle,
  };
  const token = await reserve(flow);
  let attestation: Attestation;
  try {
    const evaluation = evaluatePolicy(bundle.policy, signals);
    if (!evaluation.matched) {
      throw new ApiError(
        422,
        ErrorCode.noMatchingRule,
        `no rule of ${bundle.policyId} ${bundle.policyVersion} matches these signals`,
      );
    }
    attestation = signAndCheck(flow, signals, { ruleId: evaluation.ruleId, ...evaluation.outcome });
  } catch (error) {
    await release(flow, token);
    throw error;
  }
  await audit(flow, attestation, token);
  await confirm(flow, token, attestation.decision.requires_override);
  return {
    status: attestation.execution_state,
    requires_override: attestation.decision.requires_override,
    attestation,
  };
}

export function decisionRoutes(app: FastifyInstance, ctx: ServerContext, small: { bodyLimit: number }): void {
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();
  const errors = errorResponses(400, 401, 403, 404, 409, 413, 422, 429, 503);

  typed.post(
    "/execute",
    {
      ...small,
      config: { scope: "execute" },
      schema: {
        tags: ["decisions"],
        security: [{ bearer: [] }],
        body: ExecuteBody,
        response: { 200: ExecuteResponse, ...errors },
      },
    },
    async (request) => {
      const stop = ctx.metrics.executeDuration.startTimer();
      try {
        const result = await execute(ctx, request, request.body);
        ctx.metrics.executeRequests.inc({ outcome: result.status });
        return result;
      } catch (error) {
        ctx.metrics.executeRequests.inc({ outcome: error instanceof ApiError ? error.code : "error" });
        throw error;
      } finally {
        stop();
      }
    },
  );

  typed.post(
    "/evaluate",
    {
      ...small,
      config: { scope: "execute" },
      schema: {
        tags: ["decisions"],
        security: [{ bearer: [] }],
        body: EvaluateBody,
        response: { 200: EvaluateResponse, ...errors },
      },
    },
    (request) => {
      const bundle = bundleFor(ctx, request, request.body.policyId, request.body.policyVersion);
      const evaluation = evaluatePolicy(bundle.policy, normalisedSignals(bundle, request.body.signals));
      if (!evaluation.matched)
        throw new ApiError(422, ErrorCode.noMatchingRule, "no rule matches these signals");
      return {
        wouldDecide: evaluation.outcome.action,
        ruleMatched: evaluation.ruleId,
        reason: evaluation.outcome.reason,
        requires_override: evaluation.outcome.requires_override,
      };
    },
  );

  typed.post(
    "/verify",
    {
      ...small,
      config: { scope: "verify" },
      schema: {
        tags: ["decisions"],
        security: [{ bearer: [] }],
        body: VerifyBody,
        response: { 200: VerifyResponse, ...errors },
      },
    },
    async (request) => verify(ctx, request, request.body as Record<string, unknown>),
  );

  typed.post(
    "/override",
    {
      ...small,
      config: { scope: "override" },
      schema: {
        tags: ["decisions"],
        security: [{ bearer: [] }],
        body: OverrideBody,
        response: { 200: OverrideResponse, ...errors },
      },
    },
    async (request) => override(ctx, request, request.body),
  );
}

async function verify(
  ctx: ServerContext,
  request: FastifyRequest,
  body: Readonly<Record<string, unknown>>,
): Promise<{
  valid: boolean;
  checks: ReturnType<typeof verifyAttestation>["checks"];
  signerKeyId: string | null;
  reason?: string;
}> {
  const candidate =
    typeof body["attestation"] === "object" && body["attestation"] !== null ? body["attestation"] : body;
  const result = verifyAttestation(candidate, [ctx.signer.publicKey], {
    findBundle: (policyId, policyVersion) => ctx.bundles.find(policyId, policyVersion),
  });
  const claimed = candidate as Partial<Attestation>;
  const executionId = typeof claimed.executionId === "string" ? claimed.executionId.slice(0, 200) : undefined;
  if (result.signerKeyId === null) {
    throw new ApiError(
      400,
      ErrorCode.validationFailed,
      `body is not an attestation: ${result.reason ?? "a field is missing"}`,
    );
  }
  if (!result.checks.signature_verified) {
    ctx.events.raise({
      type: SecurityEventType.signatureFailure,
      message: `attestation for ${executionId ?? "(unknown)"} failed signature verification`,
      actor: actorOf(request),
      request: requestOf(request),
      policy: { policyId: claimed.policyId, policyVersion: claimed.policyVersion },
      execution: {
        executionId,
        fingerprint:
          typeof claimed.execution_fingerprint === "string" ? claimed.execution_fingerprint : undefined,
      },
      details: { signerKeyId: result.signerKeyId, trusted: result.checks.trust_root_verified },
    });
  }
  if (ctx.audit) {
    await ctx.audit
      .recordVerification({
        executionId: executionId ?? null,
        valid: result.valid,
        checks: { ...result.checks },
        signerKeyId: result.signerKeyId,
        apiKeyId: request.apiKey?.id ?? null,
        requestId: request.id,
      })
      .catch((error: unknown) => {
        request.log.warn({ err: error }, "could not record the verification");
      });
  }
  return result;
}

async function override(
  ctx: ServerContext,
  request: FastifyRequest,
  body: OverrideBodyType,
): Promise<{ executionId: string; status: string; override: Static<typeof OverrideRecord> }> {
  if (!ctx.audit)
    throw new ApiError(
      503,
      ErrorCode.auditDbUnavailable,
      "overrides need the audit database, which is not configured",
    );
  const decision = await ctx.audit.decision(body.executionId).catch(() => {
    throw new ApiError(503, ErrorCode.auditDbUnavailable, "the audit database is unavailable");
  });
  if (!decision)
    throw new ApiError(404, ErrorCode.notFound, `no decision for executionId ${body.executionId}`);
  let resolved: boolean;
  try {
    resolved = await ctx.replay.resolveOverride(body.executionId);
  } catch {
    throw new ApiError(
      503,
      ErrorCode.replayStoreUnavailable,
      "the replay store is unavailable; the override was not applied",
    );
  }
  if (!resolved)
    throw new ApiError(
      409,
      ErrorCode.notPendingOverride,
      `executionId ${body.executionId} is not pending an override`,
    );
  const unsigned = {
    executionId: body.executionId,
    attestationHash: sha256Hex(canonicalize(decision.attestation)),
    approved: body.approved,
    approvedBy: body.approvedBy,
    approverRole: body.approverRole,
    reason: body.reason,
    decidedAt: new Date().toISOString(),
    signerKeyId: ctx.signer.keyId,
  };
  const record = { ...unsigned, signature: signPayload(SigningDomain.override, unsigned, ctx.signer) };
  await ctx.audit.recordOverride({
    ...body,
    record,
    apiKeyId: request.apiKey?.id ?? null,
    decidedAt: new Date(unsigned.decidedAt),
  });
  return {
    executionId: body.executionId,
    status: body.approved ? "overridden_approved" : "overridden_rejected",
    override: record,
  };
}
