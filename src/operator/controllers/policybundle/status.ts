// What a PolicyBundle's reconcile outcome says in its status — the one function that decides its conditions —
// and the write of that status (server-side apply of the status subresource, skipped when nothing changed).
import type { BundleVerification } from "../../../bundle/index.ts";
import type { OperatorVerification } from "../../bundle-source.ts";
import { conditionOf, setConditions } from "../../conditions.ts";
import { ResourceTypes, type KubeClient } from "../../kube/index.ts";
import { isSuspended, reconciledStatus, suspendedStatus } from "../../suspension.ts";
import type { PolicyBundle, PolicyBundleStatus } from "../../schema.ts";

/** What a reconcile found: suspended, verified (and whether the content changed), or failed. */
export type BundleOutcome =
  | { readonly suspended: true }
  | {
      readonly verified: Extract<BundleVerification, { ok: true }>["bundle"];
      readonly changed: boolean;
      /** When the content changed: what changed in its decisions. */
      readonly lastChange?: NonNullable<PolicyBundleStatus["lastChange"]>;
    }
  | { readonly failed: Extract<OperatorVerification, { ok: false }> };

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

function verifiedStatus(
  bundle: PolicyBundle,
  outcome: Extract<BundleOutcome, { verified: unknown }>,
  now: Date,
): PolicyBundleStatus {
  const previous = bundle.status;
  const generation = bundle.metadata.generation;
  const v = outcome.verified;
  const lastChange = outcome.lastChange ?? previous?.lastChange;
  return {
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
    verifiedAt: outcome.changed || previous?.verifiedAt === undefined ? seconds(now) : previous.verifiedAt,
    ...(lastChange !== undefined && { lastChange }),
  };
}

/** The status an outcome gives the bundle (conditions Verified and Ready, the verified content's identity). */
export function statusFor(bundle: PolicyBundle, outcome: BundleOutcome, now: Date): PolicyBundleStatus {
  const previous = bundle.status;
  const generation = bundle.metadata.generation;
  if ("suspended" in outcome)
    return suspendedStatus(
      bundle,
      "the bundle is not verified again until resumed; servers keep the content last verified",
    );
  if ("verified" in outcome) return verifiedStatus(bundle, outcome, now);
  const { reason } = outcome.failed;
  const kept =
    previous?.bundleHash !== undefined
      ? ` The last verified content (${previous.bundleHash}, revision ${String(previous.revision ?? "?")}) stays in use.`
      : "";
  const message = `${outcome.failed.message}${kept}`;
  return {
    ...previous,
    observedGeneration: generation,
    conditions: setConditions(
      previous?.conditions,
      [
        { type: "Verified", status: "False", reason, message },
        { type: "Ready", status: "False", reason, message: "this bundle does not verify" },
      ],
      generation,
    ),
  };
}

export async function writeStatus(
  client: KubeClient,
  bundle: PolicyBundle,
  status: PolicyBundleStatus,
): Promise<void> {
  status = isSuspended(bundle) ? status : reconciledStatus(bundle, status);
  if (JSON.stringify(bundle.status ?? {}) === JSON.stringify(status)) return;
  await client.applyStatus(ResourceTypes.policyBundle, {
    metadata: { name: bundle.metadata.name, namespace: bundle.metadata.namespace },
    status,
  });
}
