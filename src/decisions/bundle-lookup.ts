// The verified bundle a request names, or why there is none (a refused bundle is an invalid_policy event).
import type { VerifiedBundle } from "../bundle/index.ts";
import { SecurityEventType } from "../events/index.ts";
import { validateSignals, type Signals } from "../policy/index.ts";
import { eventFacts, type Caller } from "./caller.ts";
import { DecisionError, signalsInvalid } from "./errors.ts";
import type { DecisionDeps } from "./ports.ts";

export function servedBundle(
  deps: Pick<DecisionDeps, "bundles" | "events">,
  caller: Caller,
  policyId: string,
  policyVersion: string,
): VerifiedBundle {
  const bundle = deps.bundles.find(policyId, policyVersion);
  if (bundle) return bundle;
  const failure = deps.bundles.failure(policyId, policyVersion);
  if (!failure)
    throw new DecisionError(
      "policy_not_served",
      `no verified bundle for policy ${policyId} version ${policyVersion}`,
    );
  deps.events.raise({
    type: SecurityEventType.invalidPolicy,
    message: `request named bundle ${policyId} ${policyVersion}, which failed verification (${failure.reason})`,
    ...eventFacts(caller),
    policy: { policyId, policyVersion },
    details: { reason: failure.reason },
  });
  throw new DecisionError(
    "policy_refused",
    `bundle ${policyId} ${policyVersion} failed verification (${failure.reason}) and is not served`,
  );
}

/** The signals as the bundle's schema normalises them. */
export function normalisedSignals(bundle: VerifiedBundle, signals: unknown): Signals {
  const result = validateSignals(bundle.policy.policy, signals);
  if (result.ok) return result.signals;
  throw signalsInvalid(result.errors);
}
