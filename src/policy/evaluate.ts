// Evaluation: the first rule whose condition holds decides. Pure and deterministic: no clock, no randomness,
// no I/O. A comparison with a signal that was not given is false (so `not` of it is true).
import type { CompiledPolicy } from "./compile.ts";
import type { Outcome, Signals } from "./types.ts";

export type Evaluation =
  | { readonly matched: true; readonly ruleId: string; readonly outcome: Outcome }
  | { readonly matched: false };

export function evaluatePolicy(compiled: CompiledPolicy, signals: Signals): Evaluation {
  for (const rule of compiled.rules) {
    if (rule.test(signals)) return { matched: true, ruleId: rule.id, outcome: rule.outcome };
  }
  return { matched: false };
}
