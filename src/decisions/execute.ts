// /execute: reserve the executionId → evaluate → sign and self-check → write the decision log → confirm,
// failing closed at every step. Each executionId decides once: the replay store says so first, and the
// decision log's unique executionId says so again when the store has forgotten an id.
//
// Retry-safe: the same executionId with the same fingerprint (policy, version, normalised signals) as a decision
// already made gets that decision's attestation back, as it was signed (`replayed: true`; no new signature
// issued, no audit row, no replay_attempt) — a caller whose request timed out can ask again. A different
// fingerprint is a replay (INV-013 and a replay_attempt); an id still in flight is 409 either way. The original
// is read from the decision log, so without an audit database a retry is refused as before.
import { executionFingerprint, type Attestation, type AttestationInput } from "../attest/index.ts";
import { DuplicateExecutionIdError } from "../audit/index.ts";
import type { VerifiedBundle } from "../bundle/index.ts";
import { SecurityEventType } from "../events/index.ts";
import { evaluatePolicy, type Signals } from "../policy/index.ts";
import { inSpan, inSpanSync } from "../tracing/index.ts";
import {
  ReplayStoreUnavailableError,
  type RateBudget,
  type RateCount,
  type Reservation,
} from "../replay/index.ts";
import { eventFacts, type Caller } from "./caller.ts";
import { normalisedSignals, servedBundle } from "./bundle-lookup.ts";
import { DecisionError, replayed } from "./errors.ts";
import type { DecisionDeps } from "./ports.ts";
import { issueAlone, SelfCheckFailedError, type AttestationIssuer } from "./issuer.ts";
import { evaluateShadows } from "./shadow.ts";

export interface ExecuteInput {
  readonly executionId: string;
  readonly policyId: string;
  readonly policyVersion: string;
  readonly signals: unknown;
  /**
   * The caller's request budget, counted in the reservation's own atomic step (one round trip for both); a
   * request refused before it (an unknown policy, invalid signals) is counted on its own. Over it: rate_limited.
   */
  readonly budget?: RateBudget;
}

export interface ExecuteResult {
  readonly status: string;
  readonly requires_override: boolean;
  readonly attestation: Attestation;
  /** A retry of a decision already made: this is its original attestation (Parmana-Replayed: true). */
  readonly replayed?: true;
  /** The caller's budget after this request, when one was given. */
  readonly rate?: RateCount;
}

interface Flow {
  readonly deps: DecisionDeps;
  readonly caller: Caller;
  readonly executionId: string;
  readonly fingerprint: string;
  readonly bundle: VerifiedBundle;
  readonly budget: RateBudget | undefined;
}

async function timed<T>(
  observe: ((seconds: number) => void) | undefined,
  work: () => Promise<T>,
): Promise<T> {
  const start = performance.now();
  try {
    return await work();
  } finally {
    observe?.((performance.now() - start) / 1000);
  }
}

const replayStoreDown = (what: string): DecisionError => new DecisionError("replay_store_unavailable", what);

function raiseReplay(flow: Flow, consumed: boolean, details: Record<string, unknown>): void {
  const { deps, bundle, executionId, fingerprint } = flow;
  deps.events.raise({
    type: SecurityEventType.replayAttempt,
    message: consumed
      ? `executionId ${executionId} was already consumed`
      : `executionId ${executionId} is already being executed`,
    ...eventFacts(flow.caller),
    policy: {
      policyId: bundle.policyId,
      policyVersion: bundle.policyVersion,
      bundleHash: bundle.bundleHash,
      revision: bundle.revision,
    },
    execution: { executionId, fingerprint },
    details,
  });
}

/**
 * The decision this request already had, when the log holds one for the id with the same fingerprint;
 * undefined when there is none to give back (no audit database, no row, another fingerprint).
 */
async function original(flow: Flow): Promise<Attestation | undefined> {
  const log = flow.deps.decisionLog;
  if (!log) return undefined;
  let logged;
  try {
    logged = await log.decision(flow.executionId);
  } catch (error) {
    flow.deps.observer.error?.("the decision log could not be read for a retried executionId", error);
    throw new DecisionError(
      "audit_unavailable",
      `executionId ${flow.executionId} was already decided, and its decision cannot be read now; retry later`,
    );
  }
  return logged?.attestation.execution_fingerprint === flow.fingerprint ? logged.attestation : undefined;
}

const replay = (attestation: Attestation): ExecuteResult => ({
  status: attestation.execution_state,
  requires_override: attestation.decision.requires_override,
  attestation,
  replayed: true,
});

/** Over the budget: a rate_limit_exceeded event, and the error the API answers 429 with. */
function rateLimited(deps: DecisionDeps, caller: Caller, rate: RateCount | undefined): DecisionError {
  deps.events.raise({
    type: SecurityEventType.rateLimitExceeded,
    message: "rate limit exceeded on POST /execute",
    ...eventFacts(caller),
    details: { limit: rate?.max },
  });
  return new DecisionError(
    "rate_limited",
    `rate limit of ${String(rate?.max)} requests per minute exceeded; retry in ${String(Math.ceil((rate?.resetInMs ?? 0) / 1000))} seconds`,
    { ...rate },
  );
}

interface Reserved {
  readonly token: string;
  readonly rate: RateCount | undefined;
}

async function reserve(flow: Flow): Promise<Reserved | ExecuteResult> {
  const { deps, executionId, fingerprint } = flow;
  let reservation: Reservation;
  try {
    reservation = await timed(
      (s) => deps.observer.replayStoreDuration?.("reserve", s),
      () => deps.replay.reserve(executionId, fingerprint, flow.budget),
    );
  } catch (error) {
    if (!(error instanceof ReplayStoreUnavailableError)) throw error;
    deps.observer.error?.("replay store unavailable; refusing to execute", error);
    throw replayStoreDown("the replay store is unavailable; no decision was made (fail closed)");
  }
  if (reservation.outcome === "rate_limited") throw rateLimited(deps, flow.caller, reservation.rate);
  if (reservation.outcome === "reserved") return { token: reservation.token, rate: reservation.rate };
  const consumed = reservation.outcome === "consumed";
  if (consumed && reservation.fingerprint === fingerprint) {
    const attestation = await original(flow);
    if (attestation) return { ...replay(attestation), ...(reservation.rate && { rate: reservation.rate }) };
  }
  raiseReplay(flow, consumed, {
    state: reservation.outcome === "consumed" ? reservation.state : "RESERVED",
    sameSignals: reservation.fingerprint === fingerprint,
  });
  if (consumed) throw replayed(executionId);
  throw new DecisionError("in_flight", `executionId ${executionId} is being executed by another request`);
}

/** Releases the reservation as FAILED; the caller may retry the id after the short FAILED TTL. */
async function release(flow: Flow, token: string): Promise<void> {
  await flow.deps.replay.fail(flow.executionId, token).catch((error: unknown) => {
    flow.deps.observer.warn?.("could not release a reservation; it expires on its own", error);
  });
}

type Matched = Extract<ReturnType<typeof evaluatePolicy>, { matched: true }>;

function attestationInput(flow: Flow, signals: Signals, evaluation: Matched): AttestationInput {
  const { deps, bundle } = flow;
  return {
    executionId: flow.executionId,
    policyId: bundle.policyId,
    policyVersion: bundle.policyVersion,
    schemaVersion: bundle.policy.policy.schemaVersion,
    signals,
    decision: {
      action: evaluation.outcome.action,
      requires_override: evaluation.outcome.requires_override,
      reason: evaluation.outcome.reason,
      ruleId: evaluation.ruleId,
    },
    runtimeVersion: deps.runtime.runtimeVersion,
    runtimeHash: deps.runtime.runtimeHash,
    bundleHash: bundle.bundleHash,
    manifestHash: bundle.manifestHash,
    bundleRevision: bundle.revision,
    issuedAt: deps.clock.now(),
  };
}

async function signAndCheck(flow: Flow, signals: Signals): Promise<Attestation> {
  const { deps, bundle } = flow;
  const evaluation = inSpanSync("parmana.evaluate", () => evaluatePolicy(bundle.policy, signals));
  if (!evaluation.matched)
    throw new DecisionError(
      "no_matching_rule",
      `no rule of ${bundle.policyId} ${bundle.policyVersion} matches these signals`,
    );
  const input = attestationInput(flow, signals, evaluation);
  try {
    return deps.issuer
      ? await inSpan("parmana.sign", () => (deps.issuer as AttestationIssuer).issue(input))
      : issueAlone(input, deps.signer);
  } catch (error) {
    if (!(error instanceof SelfCheckFailedError)) throw error;
  }
  deps.events.raise({
    type: SecurityEventType.signatureFailure,
    message: "the server's own attestation failed its self-check",
    ...eventFacts(flow.caller),
    execution: { executionId: flow.executionId, fingerprint: flow.fingerprint },
    details: { stage: "self-check" },
  });
  throw new DecisionError(
    "self_check_failed",
    "the attestation failed its self-check; no decision was issued",
  );
}

/**
 * The decision log already holds this id although the replay store let it through (the store lost its data,
 * or a reservation expired and was taken again): a replay like any other — recorded, and the id put back
 * into the store as consumed so that further replays stop there, before anything is signed.
 */
async function refuseLoggedReplay(flow: Flow, token: string): Promise<ExecuteResult> {
  // The same request again (the store forgot it): the logged decision is the answer; the one just signed is
  // dropped unissued.
  const same = await original(flow).catch(() => undefined);
  if (!same) raiseReplay(flow, true, { state: "CONFIRMED", detectedBy: "decision_log" });
  const remembered = await flow.deps.replay
    .complete(flow.executionId, token, "CONFIRMED")
    .catch((error: unknown) => {
      flow.deps.observer.warn?.("could not mark a logged executionId consumed in the replay store", error);
      return false;
    });
  if (!remembered) await release(flow, token);
  if (same) return replay(same);
  throw replayed(flow.executionId);
}

async function log(
  flow: Flow,
  attestation: Attestation,
  signals: Signals,
  token: string,
): Promise<ExecuteResult | undefined> {
  const { deps, caller } = flow;
  const decisionLog = deps.decisionLog;
  if (!decisionLog) return undefined;
  try {
    await timed(
      (s) => deps.observer.auditWriteDuration?.(s),
      () =>
        decisionLog.recordDecision({
          attestation,
          signals,
          apiKeyId: caller.apiKeyId ?? null,
          requestId: caller.requestId ?? null,
          clientIp: caller.clientIp ?? null,
          traceId: caller.trace?.traceId ?? null,
        }),
    );
  } catch (error) {
    if (error instanceof DuplicateExecutionIdError) return refuseLoggedReplay(flow, token);
    await release(flow, token);
    if (deps.auditRequired) {
      deps.observer.error?.("audit write failed; refusing to issue the attestation", error);
      throw new DecisionError(
        "audit_unavailable",
        "the audit store is unavailable; no decision was issued (audit is required)",
      );
    }
    deps.observer.warn?.("audit write failed; continuing because audit is not required", error);
  }
  return undefined;
}

async function confirm(flow: Flow, token: string, pending: boolean): Promise<void> {
  const { deps, executionId } = flow;
  const done = await timed(
    (s) => deps.observer.replayStoreDuration?.("confirm", s),
    () => deps.replay.complete(executionId, token, pending ? "PENDING_OVERRIDE" : "CONFIRMED"),
  ).catch(() => false);
  if (!done)
    throw replayStoreDown(
      "the reservation could not be confirmed; the decision is audited but not released (fail closed)",
    );
}

/** The shadows of the enforced version, after the decision is final: they can neither change nor delay it. */
function shadow(flow: Flow, attestation: Attestation, signals: unknown): void {
  const { deps, bundle } = flow;
  const recorder = deps.shadow;
  const shadows = recorder ? (deps.bundles.shadowsOf?.(bundle.policyId, bundle.policyVersion) ?? []) : [];
  if (!recorder || shadows.length === 0) return;
  try {
    const { action, ruleId, requires_override } = attestation.decision;
    evaluateShadows(
      shadows,
      {
        policyId: bundle.policyId,
        policyVersion: bundle.policyVersion,
        executionId: flow.executionId,
        signalsHash: attestation.signalsHash,
        outcome: { action, ruleId, requires_override },
      },
      signals,
      recorder,
    );
  } catch (error) {
    deps.observer.warn?.("shadow evaluation failed; the decision is unaffected", error);
  }
}

export async function executeDecision(
  deps: DecisionDeps,
  input: ExecuteInput,
  caller: Caller,
): Promise<ExecuteResult> {
  const { bundle, signals } = await refusedWithinBudget(deps, input, caller);
  const flow: Flow = {
    deps,
    caller,
    executionId: input.executionId,
    fingerprint: executionFingerprint(bundle.policyId, bundle.policyVersion, signals),
    bundle,
    budget: input.budget,
  };
  const reserved = await inSpan("parmana.reserve", () => reserve(flow));
  if (!("token" in reserved)) return reserved;
  const { token, rate } = reserved;
  let attestation: Attestation;
  try {
    attestation = await signAndCheck(flow, signals);
  } catch (error) {
    await release(flow, token);
    throw error;
  }
  const earlier = await inSpan("parmana.audit", () => log(flow, attestation, signals, token));
  if (earlier) return earlier;
  await inSpan("parmana.confirm", () => confirm(flow, token, attestation.decision.requires_override));
  shadow(flow, attestation, input.signals);
  return {
    status: attestation.execution_state,
    requires_override: attestation.decision.requires_override,
    attestation,
    ...(rate && { rate }),
  };
}

/**
 * The bundle and normalised signals; a request refused here (unknown or refused policy, invalid signals) never
 * reaches the reservation, so its budget is counted on its own — and over the budget the answer is
 * rate_limited, as it would have been had the budget been counted first.
 */
async function refusedWithinBudget(
  deps: DecisionDeps,
  input: ExecuteInput,
  caller: Caller,
): Promise<{ bundle: VerifiedBundle; signals: Signals }> {
  try {
    const bundle = servedBundle(deps, caller, input.policyId, input.policyVersion);
    return { bundle, signals: normalisedSignals(bundle, input.signals) };
  } catch (error) {
    const count = deps.replay.count?.bind(deps.replay);
    if (!input.budget || !count) throw error;
    const rate = await count(input.budget).catch(() => undefined);
    if (rate && rate.count > rate.max) throw rateLimited(deps, caller, rate);
    throw error;
  }
}
