// PolicyBundle reconciler. The steps, in order: skip a suspended bundle (status says so); verify the bundle as
// it is now (its inline files or ConfigMap, against the keys in its trust Secret); write the status that
// outcome gives (status.ts, the one place conditions are decided); then tell people — on success a Normal
// Event when the content changed; on failure a Warning Event, the failure counted and an invalid_policy
// security event raised once per distinct failure. A failure leaves the last verified hash and revision in
// status, so the last good content stays the one servers may use.
import type { Logger } from "pino";
import type { SecurityEventBus } from "../../../events/index.ts";
import { verifyPolicyBundle, type ObjectLookup, type OperatorVerification } from "../../bundle-source.ts";
import { conditionOf } from "../../conditions.ts";
import { isSuspended } from "../../suspension.ts";
import type { EventRecorder } from "../../events.ts";
import type { KubeClient } from "../../kube/index.ts";
import type { OperatorMetrics } from "../../metrics.ts";
import type { ReconcileResult } from "../../runtime/index.ts";
import { API_VERSION, type PolicyBundle, type PolicyBundleStatus } from "../../schema.ts";
import { isVerified, statusFor, writeStatus } from "./status.ts";
import { changeSummary, type VerifiedContent } from "./change-summary.ts";

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
  /** The content each bundle last verified with, as this operator saw it (the baseline of lastChange). */
  readonly verifiedContent: Map<string, VerifiedContent>;
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
  const ref = refOf(bundle);
  const v = result.bundle;
  const changed = previous?.bundleHash !== v.bundleHash || !isVerified(bundle);
  ctx.metrics.verifications.inc({ result: "success", reason: "SignatureValid" });
  ctx.raised.delete(key);
  const content: VerifiedContent = { bundleHash: v.bundleHash, revision: v.revision, policy: v.policy };
  const before = ctx.verifiedContent.get(key);
  ctx.verifiedContent.set(key, content);
  // A change of content the status knew: what changed in the decisions (from the content this operator saw).
  const lastChange =
    changed && previous?.bundleHash !== undefined && previous.bundleHash !== v.bundleHash
      ? changeSummary(before?.bundleHash === previous.bundleHash ? before : undefined, content)
      : undefined;
  await writeStatus(
    ctx.client,
    bundle,
    statusFor(bundle, { verified: v, changed, ...(lastChange && { lastChange }) }, new Date()),
  );
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
  const status = statusFor(bundle, { failed: result }, new Date());
  const message = conditionOf(status.conditions, "Verified")?.message ?? result.message;
  const signature = `${String(generation)}|${result.reason}|${message}`;
  const firstTime = ctx.raised.get(key) !== signature && !alreadyReported(previous, generation, message);
  ctx.raised.set(key, signature);
  await writeStatus(ctx.client, bundle, status);
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
    await writeStatus(ctx.client, bundle, statusFor(bundle, { suspended: true }, new Date()));
    return undefined;
  }
  const result = verifyPolicyBundle(bundle, ctx.lookup, bundle.status?.revision);
  return result.ok ? verified(ctx, key, bundle, result) : failed(ctx, key, bundle, result);
}
