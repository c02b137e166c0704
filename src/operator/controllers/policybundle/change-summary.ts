// What changed in a PolicyBundle's decisions when its verified content changed: the exact semantic diff of
// the policy last verified by this operator against the one verified now, summarised for status.lastChange
// (`kubectl get pb -o yaml`, `parmana status pb`). The full diff is `parmana policy diff OLD NEW`.
import { DiffTooComplexError, diffPolicies, formatDiff, type CompiledPolicy } from "../../../policy/index.ts";
import type { PolicyBundleStatus } from "../../schema.ts";

export type LastChange = NonNullable<PolicyBundleStatus["lastChange"]>;

/** The policy a bundle verified with, as this operator last saw it. */
export interface VerifiedContent {
  readonly bundleHash: string;
  readonly revision: number;
  readonly policy: CompiledPolicy;
}

const MAX_LINES = 10;
const MAX_LINE = 300;

export function changeSummary(before: VerifiedContent | undefined, after: VerifiedContent): LastChange {
  if (!before)
    return {
      toRevision: after.revision,
      toBundleHash: after.bundleHash,
      compared: false,
      summary: [
        "the previously verified content was not seen by this operator (it started since); compare with parmana policy diff",
      ],
    };
  const base = {
    fromRevision: before.revision,
    fromBundleHash: before.bundleHash,
    toRevision: after.revision,
    toBundleHash: after.bundleHash,
  };
  try {
    const diff = diffPolicies(before.policy, after.policy);
    const s = diff.signals;
    const lines = formatDiff(diff).map((l) => (l.length > MAX_LINE ? `${l.slice(0, MAX_LINE - 1)}…` : l));
    return {
      ...base,
      compared: true,
      changes: diff.changes.length,
      unreachableRules: diff.unreachable.filter((u) => u.version === "new").length,
      signalsChanged:
        s.added.length + s.removed.length + s.retyped.length + s.constrained.length > 0 || !diff.sharedInputs,
      summary: lines.slice(0, MAX_LINES),
      ...(lines.length > MAX_LINES && { truncated: lines.length - MAX_LINES }),
    };
  } catch (error) {
    if (!(error instanceof DiffTooComplexError)) throw error;
    return { ...base, compared: false, summary: [error.message] };
  }
}
