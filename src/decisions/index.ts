// The application layer of decisions: execute, evaluate, verify and override as functions of
// (deps, input, caller), over ports. No HTTP here (a lint rule keeps fastify out).
export { executeDecision, type ExecuteInput, type ExecuteResult } from "./execute.ts";
export { evaluateDecision, type EvaluateInput, type EvaluateResult } from "./evaluate.ts";
export { verifyDecision } from "./verify.ts";
export {
  overrideDecision,
  type OverrideInput,
  type OverrideRecord,
  type OverrideResult,
} from "./override.ts";
export { DecisionError, type DecisionErrorKind } from "./errors.ts";
export {
  evaluateShadows,
  shadowOutcome,
  type ShadowOutcome,
  type ShadowRecorder,
  type ShadowResult,
} from "./shadow.ts";
export { eventFacts, type Caller } from "./caller.ts";
export { issueAlone, SelfCheckFailedError, type AttestationIssuer } from "./issuer.ts";
export { BatchingIssuer, type BatchOptions } from "./batch-issuer.ts";
export {
  systemClock,
  type BundleCatalog,
  type Clock,
  type DecisionDeps,
  type DecisionEntry,
  type DecisionLog,
  type DecisionObserver,
  type LoggedDecision,
  type OverrideEntry,
  type SecurityEvents,
  type VerificationEntry,
} from "./ports.ts";
