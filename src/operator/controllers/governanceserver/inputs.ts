// What a GovernanceServer needs and what it selects: its Secrets (and their hash, so a change rolls the pods),
// the bundles its selector picks and which of them may be served, and the set its pods run now.
import { createHash } from "node:crypto";
import { bundleInputs, verifyInputs, type ObjectLookup } from "../../bundle-source.ts";
import { conditionOf, type ConditionInput } from "../../conditions.ts";
import {
  ANNOTATION_BUNDLE_SET,
  ANNOTATION_BUNDLES,
  API_KEYS_SECRET_KEY,
  SIGNING_SECRET_KEY,
  bundleSetConfigMapName,
  type SelectedBundle,
} from "../../render.ts";
import { isVerified } from "../policybundle/index.ts";
import type { ActiveBundle, GovernanceServer, LabelSelector, PolicyBundle } from "../../schema.ts";
import type { GovernanceServerContext } from "./context.ts";

export function selects(selector: LabelSelector, labels: Readonly<Record<string, string>> = {}): boolean {
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const value = labels[e.key];
    const values = e.values ?? [];
    const ok =
      e.operator === "In"
        ? value !== undefined && values.includes(value)
        : e.operator === "NotIn"
          ? value === undefined || !values.includes(value)
          : e.operator === "Exists"
            ? value !== undefined
            : value === undefined;
    if (!ok) return false;
  }
  return true;
}

/** The selected bundle ready to be served, or why it is not. */
export function servable(bundle: PolicyBundle, lookup: ObjectLookup): SelectedBundle | string {
  const name = bundle.metadata.name;
  if (!isVerified(bundle)) {
    const verified = conditionOf(bundle.status?.conditions, "Verified");
    return `${name} is not verified (${verified?.reason ?? "not yet checked"})`;
  }
  const inputs = bundleInputs(bundle, lookup);
  if ("reason" in inputs) return `${name} lost its source or trust (${inputs.reason})`;
  const result = verifyInputs(bundle, inputs, undefined);
  if (!result.ok) return `${name} no longer verifies (${result.reason})`;
  if (result.bundle.bundleHash !== bundle.status?.bundleHash)
    return `${name} changed since it was verified (${result.bundle.bundleHash})`;
  return {
    name,
    policyId: result.bundle.policyId,
    policyVersion: result.bundle.policyVersion,
    bundleHash: result.bundle.bundleHash,
    revision: result.bundle.revision,
    ...(bundle.spec.shadowOf !== undefined && { shadowOf: bundle.spec.shadowOf }),
    files: inputs.files,
    trustKeys: inputs.trustKeys,
  };
}

interface SecretNeed {
  readonly name: string;
  readonly key?: string;
  readonly what: string;
}

export function secretNeeds(gs: GovernanceServer): SecretNeed[] {
  const s = gs.spec;
  const needs: SecretNeed[] = [
    { ...s.redis.urlSecretRef, what: "spec.redis.urlSecretRef" },
    { ...s.audit.databaseUrlSecretRef, what: "spec.audit.databaseUrlSecretRef" },
    { name: s.signingKeySecretRef.name, key: SIGNING_SECRET_KEY, what: "spec.signingKeySecretRef" },
    { name: s.apiKeysSecretRef.name, key: API_KEYS_SECRET_KEY, what: "spec.apiKeysSecretRef" },
  ];
  if (s.redis.sentinelPasswordSecretRef)
    needs.push({ ...s.redis.sentinelPasswordSecretRef, what: "spec.redis.sentinelPasswordSecretRef" });
  if (s.redis.tls) needs.push({ ...s.redis.tls.caSecretRef, what: "spec.redis.tls.caSecretRef" });
  const kafka = s.export?.kafka;
  if (kafka?.tls?.caSecretRef)
    needs.push({ ...kafka.tls.caSecretRef, what: "spec.export.kafka.tls.caSecretRef" });
  if (kafka?.sasl)
    needs.push({
      name: kafka.sasl.secretRef.name,
      key: "password",
      what: "spec.export.kafka.sasl.secretRef",
    });
  return needs;
}

/**
 * Whether a change to the Secret `name` can change what this server runs: one of its own Secrets, or the trust
 * Secret of a bundle it selects (the pods mount the trusted keys).
 */
export function referencesSecret(
  gs: GovernanceServer,
  name: string,
  bundlesInNamespace: readonly PolicyBundle[],
): boolean {
  return (
    secretNeeds(gs).some((need) => need.name === name) ||
    bundlesInNamespace.some(
      (b) => b.spec.trust.secretRef.name === name && selects(gs.spec.bundleSelector, b.metadata.labels),
    )
  );
}

/** A missing Secret or key, named; or the hash of everything the pods read from Secrets (a change rolls them). */
export function checkSecrets(
  gs: GovernanceServer,
  lookup: ObjectLookup,
): { missing: string } | { hash: string } {
  const hash = createHash("sha256");
  for (const need of secretNeeds(gs)) {
    const secret = lookup.secret(gs.metadata.namespace, need.name);
    if (!secret) return { missing: `Secret ${need.name} (${need.what}) does not exist` };
    if (need.key !== undefined && secret.data?.[need.key] === undefined)
      return { missing: `Secret ${need.name} (${need.what}) has no key ${need.key}` };
    hash
      .update(need.name)
      .update("\0")
      .update(JSON.stringify(Object.entries(secret.data ?? {}).sort()));
  }
  return { hash: `sha256:${hash.digest("hex")}` };
}

export function currentSet(
  ctx: GovernanceServerContext,
  gs: GovernanceServer,
): { hash: string; active: ActiveBundle[] } | undefined {
  const deployment = ctx.deployments.get(gs.metadata.namespace, gs.metadata.name);
  const hash = deployment?.spec?.template?.metadata?.annotations?.[ANNOTATION_BUNDLE_SET];
  if (hash === undefined) return undefined;
  const cm = ctx.configMaps
    .list(gs.metadata.namespace)
    .find((c) => c.metadata.name === bundleSetConfigMapName(gs.metadata.name, hash));
  const active = cm?.metadata.annotations?.[ANNOTATION_BUNDLES];
  return active === undefined ? undefined : { hash, active: JSON.parse(active) as ActiveBundle[] };
}

export interface BundleState {
  readonly good: SelectedBundle[];
  readonly condition: ConditionInput;
  readonly allGood: boolean;
}

export function bundleState(
  ctx: GovernanceServerContext,
  gs: GovernanceServer,
  keeping: boolean,
): BundleState {
  const selected = ctx.bundles
    .list(gs.metadata.namespace)
    .filter((b) => selects(gs.spec.bundleSelector, b.metadata.labels));
  const good: SelectedBundle[] = [];
  const bad: string[] = [];
  for (const bundle of selected) {
    const s = servable(bundle, ctx.lookup);
    if (typeof s === "string") bad.push(s);
    else good.push(s);
  }
  const condition: ConditionInput =
    selected.length === 0
      ? {
          type: "BundlesVerified",
          status: "False",
          reason: "NoBundlesSelected",
          message: "bundleSelector matches no PolicyBundle in this namespace",
        }
      : bad.length > 0
        ? {
            type: "BundlesVerified",
            status: "False",
            reason: "BundleNotVerified",
            message: `${bad.join("; ")}${keeping ? "; the pods keep serving the last verified set" : ""}`,
          }
        : {
            type: "BundlesVerified",
            status: "True",
            reason: "AllVerified",
            message: `${String(good.length)} bundle(s) verified`,
          };
  return { good, condition, allGood: bad.length === 0 && good.length > 0 };
}
