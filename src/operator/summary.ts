// One line for a person: is this PolicyBundle or GovernanceServer ready, and if not, why and what to do. Read
// from the object's own status (conditions, observedGeneration, spec.suspend), so `parmana status` and
// `parmana get` say the same thing the controllers wrote.
import { conditionOf } from "./conditions.ts";
import type { Condition } from "./schema.ts";

export type ObjectKind = "PolicyBundle" | "GovernanceServer";

export interface SummaryInput {
  readonly metadata: { readonly name: string; readonly generation?: number };
  readonly spec: { readonly suspend?: boolean };
  readonly status?: { readonly observedGeneration?: number; readonly conditions?: readonly Condition[] };
}

export interface Summary {
  readonly ready: boolean;
  readonly suspended: boolean;
  /** The Ready condition's reason, or a word of our own when there is none yet. */
  readonly reason: string;
  readonly line: string;
}

const SHORT: Record<ObjectKind, string> = { PolicyBundle: "pb", GovernanceServer: "gs" };

/** What to do about each reason the controllers write. */
const FIX: Record<string, string> = {
  HASH_MISMATCH: "a file changed after signing: rebuild and re-sign it with `parmana policy build`",
  BAD_SIGNATURE:
    "the manifest or signature was altered: apply the bundle exactly as `parmana policy build` wrote it",
  UNTRUSTED_KEY: "add the signer's public key to the trust Secret named in spec.trust.secretRef",
  KEY_EXPIRED: "re-sign with a key inside its validity window, or extend its notAfter in trust.json",
  THRESHOLD_NOT_MET: "more trusted keys must sign it (`parmana policy sign`), or lower spec.trust.threshold",
  ROLLBACK: "apply a higher revision, or set spec.allowRollback: true for a deliberate rollback",
  CONFIGMAP_MISSING: "create the ConfigMap named in spec.source.configMapRef",
  TRUST_SECRET_MISSING: "create the Secret named in spec.trust.secretRef",
  SecretMissing: "create the Secret named above (or fix the reference in the spec)",
  NoVerifiedBundles:
    "apply a PolicyBundle matching spec.bundleSelector that verifies (`parmana status pb <bundle>` says why one does not)",
  RollingOut:
    "pods are starting; if it lasts, look at the pods (`kubectl get pods -l app.kubernetes.io/instance=NAME`)",
};

export function summarize(kind: ObjectKind, object: SummaryInput): Summary {
  const { name, generation } = object.metadata;
  const suspended = object.spec.suspend === true;
  const ready = conditionOf(object.status?.conditions, "Ready");
  const isReady = ready?.status === "True";
  if (suspended)
    return {
      ready: isReady,
      suspended,
      reason: "Suspended",
      line: `suspended: the operator leaves ${name} as it is (${isReady ? "it was ready" : "it was not ready"}); resume it with \`parmana resume ${SHORT[kind]} ${name}\``,
    };
  const observed = object.status?.observedGeneration;
  if (!ready || (generation !== undefined && (observed ?? 0) < generation))
    return {
      ready: false,
      suspended,
      reason: "NotObserved",
      line: `not reconciled yet (generation ${String(generation ?? "?")}, observed ${String(observed ?? "none")}): is the operator running and watching this namespace?`,
    };
  if (isReady) return { ready: true, suspended, reason: ready.reason, line: `ready: ${ready.message}` };
  const fix = (FIX[ready.reason] ?? `see \`kubectl describe ${SHORT[kind]} ${name}\``).replaceAll(
    "NAME",
    name,
  );
  return {
    ready: false,
    suspended,
    reason: ready.reason,
    line: `not ready (${ready.reason}): ${ready.message} — ${fix}`,
  };
}
