// A dry run: what the policy would decide, with no replay slot, no signature and no audit row.
import { evaluatePolicy, explainPolicy, type RuleTrace } from "../policy/index.ts";
import type { Caller } from "./caller.ts";
import { normalisedSignals, servedBundle } from "./bundle-lookup.ts";
import { DecisionError } from "./errors.ts";
import type { DecisionDeps } from "./ports.ts";

export interface EvaluateInput {
  readonly policyId: string;
  readonly policyVersion: string;
  readonly signals: unknown;
  readonly explain?: boolean;
}

export interface EvaluateResult {
  readonly wouldDecide: string;
  readonly ruleMatched: string;
  readonly reason: string;
  readonly requires_override: boolean;
  /** With `explain`: the same trace as `parmana policy eval --explain` (src/policy/explain.ts). */
  readonly explanation?: { rules: RuleTrace[]; stopped: string; notEvaluated: string[] };
}

export function evaluateDecision(
  deps: Pick<DecisionDeps, "bundles" | "events">,
  input: EvaluateInput,
  caller: Caller,
): EvaluateResult {
  const bundle = servedBundle(deps, caller, input.policyId, input.policyVersion);
  const signals = normalisedSignals(bundle, input.signals);
  const evaluation = evaluatePolicy(bundle.policy, signals);
  if (!evaluation.matched) throw new DecisionError("no_matching_rule", "no rule matches these signals");
  const explained = input.explain === true ? explainPolicy(bundle.policy, signals) : undefined;
  return {
    wouldDecide: evaluation.outcome.action,
    ruleMatched: evaluation.ruleId,
    reason: evaluation.outcome.reason,
    requires_override: evaluation.outcome.requires_override,
    ...(explained && {
      explanation: {
        rules: [...explained.rules],
        stopped: explained.stopped,
        notEvaluated: [...explained.notEvaluated],
      },
    }),
  };
}
