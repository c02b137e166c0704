// The exact semantic diff of two policy versions (parmana policy diff; the operator's status summary).
export {
  DiffTooComplexError,
  diffPolicies,
  inRegion,
  unreachableRules,
  type Change,
  type DiffOutcome,
  type PolicyDiff,
  type Region,
  type SignalChanges,
  type UnreachableRule,
} from "./diff.ts";
export { formatDiff, formatOutcome, formatRegion } from "./format.ts";
export type { ValueClass } from "./domain.ts";
