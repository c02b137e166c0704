// Shadow evaluation: a verified bundle served beside the version callers name, evaluated on every decision of
// that version, never signing, never consuming an id, never changing the answer. What each shadow would have
// decided is compared with the enforced outcome (action, ruleId, requires_override — the outcome the
// semantic diff compares) and handed to a recorder (the server counts agreements and keeps the latest
// disagreements). Pure: it evaluates and reports; a failing shadow costs the caller nothing.
import type { VerifiedBundle } from "../bundle/index.ts";
import { evaluatePolicy, validateSignals, NO_MATCHING_RULE } from "../policy/index.ts";

export type ShadowOutcome =
  | { readonly action: string; readonly ruleId: string; readonly requires_override: boolean }
  /** The shadow refused the signals (VAL-xxx) or no rule of it matched (NO_MATCHING_RULE). */
  | { readonly error: string };

export interface ShadowResult {
  readonly policyId: string;
  readonly enforcedVersion: string;
  readonly shadowVersion: string;
  readonly shadowBundleHash: string;
  readonly agree: boolean;
  readonly executionId: string;
  /** The attestation's signalsHash: the signals are not kept, their hash is. */
  readonly signalsHash: string;
  readonly enforced: ShadowOutcome;
  readonly shadow: ShadowOutcome;
}

export interface ShadowRecorder {
  record(result: ShadowResult): void;
}

/** What one shadow decides for the caller's signals (validated against its own schema). */
export function shadowOutcome(bundle: VerifiedBundle, signals: unknown): ShadowOutcome {
  const checked = validateSignals(bundle.policy.policy, signals);
  if (!checked.ok) return { error: checked.errors[0]?.code ?? "VAL-001" };
  const e = evaluatePolicy(bundle.policy, checked.signals);
  return e.matched
    ? { action: e.outcome.action, ruleId: e.ruleId, requires_override: e.outcome.requires_override }
    : { error: NO_MATCHING_RULE };
}

const sameOutcome = (a: ShadowOutcome, b: ShadowOutcome): boolean =>
  "error" in a || "error" in b
    ? "error" in a && "error" in b && a.error === b.error
    : a.action === b.action && a.ruleId === b.ruleId && a.requires_override === b.requires_override;

export function evaluateShadows(
  shadows: readonly VerifiedBundle[],
  decided: {
    readonly policyId: string;
    readonly policyVersion: string;
    readonly executionId: string;
    readonly signalsHash: string;
    readonly outcome: ShadowOutcome;
  },
  signals: unknown,
  recorder: ShadowRecorder,
): void {
  for (const shadow of shadows) {
    const outcome = shadowOutcome(shadow, signals);
    recorder.record({
      policyId: decided.policyId,
      enforcedVersion: decided.policyVersion,
      shadowVersion: shadow.policyVersion,
      shadowBundleHash: shadow.bundleHash,
      agree: sameOutcome(decided.outcome, outcome),
      executionId: decided.executionId,
      signalsHash: decided.signalsHash,
      enforced: decided.outcome,
      shadow: outcome,
    });
  }
}
