// Conditions as the Kubernetes API conventions want them: one per type, lastTransitionTime kept while the
// status does not change, observedGeneration on each.
import type { Condition } from "./schema.ts";

export interface ConditionInput {
  readonly type: string;
  readonly status: "True" | "False" | "Unknown";
  readonly reason: string;
  readonly message: string;
}

export function setConditions(
  current: readonly Condition[] | undefined,
  next: readonly ConditionInput[],
  generation: number | undefined,
  now: Date = new Date(),
): Condition[] {
  const result = [...(current ?? [])];
  for (const input of next) {
    const index = result.findIndex((c) => c.type === input.type);
    const old = index >= 0 ? result[index] : undefined;
    const condition: Condition = {
      ...input,
      message: input.message.slice(0, 32_000),
      ...(generation !== undefined && { observedGeneration: generation }),
      lastTransitionTime:
        old && old.status === input.status
          ? old.lastTransitionTime
          : now.toISOString().replace(/\.\d+Z$/, "Z"),
    };
    if (index >= 0) result[index] = condition;
    else result.push(condition);
  }
  return result;
}

export function conditionOf(
  conditions: readonly Condition[] | undefined,
  type: string,
): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}
