// PolicyBundle reconciler: verify the bundle as it is now (its inline files or ConfigMap, against the keys in
// its trust Secret) and say so in status. Success records bundleHash, revision and signers; failure sets
// Verified=False with the reason code, records a Warning Event, counts the failure and raises an
// invalid_policy security event — and leaves the last verified hash and revision in status, so the last good
// content stays the one servers may use.
import type { Logger } from "pino";
import type { SecurityEventBus } from "../../../events/index.ts";
import { verifyPolicyBundle, type ObjectLookup, type OperatorVerification } from "../../bundle-source.ts";
import { conditionOf, setConditions } from "../../conditions.ts";
import { isSuspended, reconciledStatus, suspendedStatus } from "../../suspension.ts";
import type { EventRecorder } from "../../events.ts";
import { ResourceTypes, type KubeClient } from "../../kube.ts";
import type { OperatorMetrics } from "../../metrics.ts";
import { FIELD_MANAGER, type ReconcileResult } from "../../runtime/index.ts";
import { API_VERSION, type PolicyBundle, type PolicyBundleStatus } from "../../schema.ts";

export interface PolicyBundleContext {
  readonly client: KubeClient;
  readonly bundles: { get(namespace: string, name: string): PolicyBundle | undefined };
  readonly lookup: ObjectLookup;
  readonly events: EventRecorder;
  readonly metrics: OperatorMetrics;
  readonly bus: SecurityEventBus | undefined;
  readonly logger: Logger;
  /** The last failure raised per bundle key, so that a re-verification of the same failure raises nothing. */
  readonly raised: Map<string, string>;
}

const seconds = (d: Date): string => d.toISOString().replace(/\.\d+Z$/, "Z");

/** Verified bundles are those whose Verified condition is True for their current generation. */
export function isVerified(bundle: PolicyBundle): boolean {
  const verified = conditionOf(bundle.status?.conditions, "Verified");
  // Suspending changes the generation without touching the content; servers re-verify the content against
  // bundleHash themselves, so a suspended bundle stays what it was when last verified.
  return (
    verified?.status === "True" &&
    (verified.observedGeneration === bundle.metadata.generation || isSuspended(bundle)) &&
    bundle.status?.bundleHash !== undefined
  );
}

function sameStatus(a: PolicyBundleStatus | undefined, b: PolicyBundleStatus): boolean {
  return JSON.stringify(a ?? {}) === JSON.stringify(b);
}

async function writeStatus(
  ctx: PolicyBundleContext,
  bundle: PolicyBundle,
  status: PolicyBundleStatus,
): Promise<void> {
  status = isSuspended(bundle) ? status : reconciledStatus(bundle, status);
  if (sameStatus(bundle.status, status)) return;
  await ctx.client.apply(
    ResourceTypes.policyBundle,
    { metadata: { name: bundle.metadata.name, namespace: bundle.metadata.namespace }, status },
    FIELD_MANAGER,
    "status",
  );
}

type Verified = Extract<OperatorVerification, { ok: true }>;
type Failed = Extract<OperatorVerification, { ok: false }>;

const refOf = (bundle: PolicyBundle): PolicyBundle & { apiVersion: string; kind: "PolicyBundle" } => ({
  ...bundle,
  apiVersion: API_VERSION,
  kind: "PolicyBundle",
});

async function verified(
  ctx: PolicyBundleContext,
  key: string,
  bundle: PolicyBundle,
  result: Verified,
): Promise<undefined> {
  const previous = bundle.status;
  const generation = bundle.metadata.generation;
  const ref = refOf(bundle);

  const v = result.bundle;
  const changed = previous?.bundleHash !== v.bundleHash || !isVerified(bundle);
  ctx.metrics.verifications.inc({ result: "success", reason: "SignatureValid" });
  const status: PolicyBundleStatus = {
    observedGeneration: generation,
    conditions: setConditions(
      previous?.conditions,
      [
        {
          type: "Verified",
          status: "True",
          reason: "SignatureValid",
          message: `revision ${String(v.revision)} signed by ${v.signerKeyIds.join(", ")}`,
        },
        { type: "Ready", status: "True", reason: "Verified", message: "servers may use this bundle" },
      ],
      generation,
    ),
    bundleHash: v.bundleHash,
    manifestHash: v.manifestHash,
    revision: v.revision,
    signerKeyIds: [...v.signerKeyIds],
    verifiedAt: changed || previous.verifiedAt === undefined ? seconds(new Date()) : previous.verifiedAt,
  };
  ctx.raised.delete(key);
  await writeStatus(ctx, bundle, status);
  if (changed)
    await ctx.events.record(
      ref,
      "Normal",
      "Verified",
      `bundle ${v.bundleHash} revision ${String(v.revision)} verified`,
    );
  return undefined;
}

/** Whether the status already says exactly this failure for this generation (a resync, a restart). */
function alreadyReported(
  previous: PolicyBundleStatus | undefined,
  generation: number,
  message: string,
): boolean {
  const verified = conditionOf(previous?.conditions, "Verified");
  return (
    verified?.status === "False" &&
    verified.message === message &&
    previous?.observedGeneration === generation
  );
}

async function failed(
  ctx: PolicyBundleContext,
  key: string,
  bundle: PolicyBundle,
  result: Failed,
): Promise<undefined> {
  const previous = bundle.status;
  const generation = bundle.metadata.generation;
  const ref = refOf(bundle);
  ctx.metrics.verifications.inc({ result: "failure", reason: result.reason });
  const kept =
    previous?.bundleHash !== undefined
      ? ` The last verified content (${previous.bundleHash}, revision ${String(previous.revision ?? "?")}) stays in use.`
      : "";
  const message = `${result.message}${kept}`;
  const status: PolicyBundleStatus = {
    ...previous,
    observedGeneration: generation,
    conditions: setConditions(
      previous?.conditions,
      [
        { type: "Verified", status: "False", reason: result.reason, message },
        { type: "Ready", status: "False", reason: result.reason, message: "this bundle does not verify" },
      ],
      generation,
    ),
  };
  const signature = `${String(generation)}|${result.reason}|${message}`;
  const firstTime = ctx.raised.get(key) !== signature && !alreadyReported(previous, generation, message);
  ctx.raised.set(key, signature);
  await writeStatus(ctx, bundle, status);
  await ctx.events.record(ref, "Warning", "VerificationFailed", `${result.reason}: ${message}`);
  if (firstTime) {
    ctx.logger.warn({ bundle: key, reason: result.reason }, "policy bundle failed verification");
    ctx.bus?.raise({
      type: "invalid_policy",
      message: `PolicyBundle ${key} failed verification: ${result.reason}`,
      policy: {
        policyId: bundle.spec.policyId,
        policyVersion: bundle.spec.policyVersion,
        bundleHash: previous?.bundleHash,
        revision: previous?.revision,
      },
      details: {
        stage: "operator",
        reason: result.reason,
        policy_bundle: key,
        ...(result.file !== undefined && { file: result.file }),
      },
    });
  }
  return undefined;
}

export async function reconcilePolicyBundle(
  ctx: PolicyBundleContext,
  key: string,
): Promise<ReconcileResult | undefined> {
  const [namespace = "", name = ""] = key.split("/");
  const bundle = ctx.bundles.get(namespace, name);
  if (!bundle || bundle.metadata.deletionTimestamp !== undefined) return undefined;
  if (isSuspended(bundle)) {
    const what = "the bundle is not verified again until resumed; servers keep the content last verified";
    await writeStatus(ctx, bundle, suspendedStatus(bundle, what));
    return undefined;
  }
  const result = verifyPolicyBundle(bundle, ctx.lookup, bundle.status?.revision);
  return result.ok ? verified(ctx, key, bundle, result) : failed(ctx, key, bundle, result);
}
