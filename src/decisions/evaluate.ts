// A dry run: what the policy would decide, with no replay slot, no signature and no audit row.
import { evaluatePolicy } from "../policy/index.ts";
import type { Caller } from "./caller.ts";
import { normalisedSignals, servedBundle } from "./bundle-lookup.ts";
import { DecisionError } from "./errors.ts";
import type { DecisionDeps } from "./ports.ts";

export interface EvaluateInput {
  readonly policyId: string;
  readonly policyVersion: string;
  readonly signals: unknown;
}

export interface EvaluateResult {
  readonly wouldDecide: string;
  readonly ruleMatched: string;
  readonly reason: string;
  readonly requires_override: boolean;
}

export function evaluateDecision(
  deps: Pick<DecisionDeps, "bundles" | "events">,
  input: EvaluateInput,
  caller: Caller,
): EvaluateResult {
  const bundle = servedBundle(deps, caller, input.policyId, input.policyVersion);
  const evaluation = evaluatePolicy(bundle.policy, normalisedSignals(bundle, input.signals));
  if (!evaluation.matched) throw new DecisionError("no_matching_rule", "no rule matches these signals");
  return {
    wouldDecide: evaluation.outcome.action,
    ruleMatched: evaluation.ruleId,
    reason: evaluation.outcome.reason,
    requires_override: evaluation.outcome.requires_override,
  };
}
