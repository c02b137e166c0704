// The exact semantic diff of two policy versions: every region of the signal space both accept where the
// outcome (action, ruleId, requires_override — or no rule matching) differs, each with a witness; the rules
// of each version that can never decide; and how the declared signals changed.
//
// How: the shared space is cut into classes per signal (domain.ts), inside which every comparison of either
// version is constant. Both versions are evaluated over partial assignments of classes with three-valued
// logic; a signal is split only when some version still needs it to decide. When both have decided, the
// whole region decides the same way, so comparing once is exact. Two versions that decide alike on every
// input report nothing, however their rules are written.
import type { ConditionNode } from "../condition-tree.ts";
import type { CompiledPolicy } from "../compile.ts";
import { evaluatePolicy } from "../evaluate.ts";
import { validateSignals } from "../signals.ts";
import type { SignalDeclaration, SignalValue, Signals } from "../types.ts";
import { mergeAdjacent } from "./merge.ts";
import { inClass, sampleOf, sharedDomains, type SignalDomain, type ValueClass } from "./domain.ts";

export type DiffOutcome =
  | { readonly action: string; readonly ruleId: string; readonly requires_override: boolean }
  | { readonly error: "NO_MATCHING_RULE" };

/** A region: a class per constrained signal; a signal not named may take any value both versions accept. */
export type Region = Readonly<Record<string, ValueClass>>;

export interface Change {
  readonly region: Region;
  readonly witness: Record<string, SignalValue>;
  readonly old: DiffOutcome;
  readonly new: DiffOutcome;
}

export interface UnreachableRule {
  readonly version: "old" | "new";
  readonly ruleId: string;
  /** never-true: no input makes its condition hold; shadowed: earlier rules decide every input it matches. */
  readonly reason: "never-true" | "shadowed";
}

export interface SignalChanges {
  readonly added: readonly string[];
  readonly removed: readonly string[];
  readonly retyped: readonly { signal: string; old: string; new: string }[];
  /** Same type, other constraints (bounds, values, required, maxLength). */
  readonly constrained: readonly { signal: string; old: SignalDeclaration; new: SignalDeclaration }[];
}

export interface PolicyDiff {
  readonly changes: readonly Change[];
  readonly unreachable: readonly UnreachableRule[];
  readonly signals: SignalChanges;
  /** False when no input is valid for both versions (then `changes` is empty and `signals` says why). */
  readonly sharedInputs: boolean;
}

export class DiffTooComplexError extends Error {
  constructor(limit: number) {
    super(`the two versions need more than ${String(limit)} regions to compare; split the policy`);
    this.name = "DiffTooComplexError";
  }
}

const MAX_STEPS = 200_000;

type Assignment = ReadonlyMap<string, ValueClass>;
/** true, false, or the signal whose value is still needed. */
type Tri = boolean | string;

function leafValue(node: Extract<ConditionNode, { kind: "leaf" }>, a: Assignment): Tri {
  const c = a.get(node.signal);
  if (c === undefined) return node.signal;
  const value = sampleOf(c);
  const signals = Object.create(null) as Record<string, SignalValue>;
  if (value !== undefined) signals[node.signal] = value;
  return node.test(signals);
}

function value(node: ConditionNode, a: Assignment): Tri {
  switch (node.kind) {
    case "leaf":
      return leafValue(node, a);
    case "not": {
      const v = value(node.child, a);
      return typeof v === "string" ? v : !v;
    }
    case "all":
    case "any": {
      const settles = node.kind === "any";
      let needed: string | undefined;
      for (const child of node.children) {
        const v = value(child, a);
        if (v === settles) return settles;
        if (typeof v === "string") needed ??= v;
      }
      return needed ?? !settles;
    }
  }
}

type Decision = { readonly outcome: DiffOutcome; readonly ruleIndex: number } | { readonly needs: string };

function decide(policy: CompiledPolicy, a: Assignment): Decision {
  for (const [i, rule] of policy.rules.entries()) {
    const v = value(rule.condition, a);
    if (typeof v === "string") return { needs: v };
    if (v)
      return {
        ruleIndex: i,
        outcome: {
          action: rule.outcome.action,
          ruleId: rule.id,
          requires_override: rule.outcome.requires_override,
        },
      };
  }
  return { ruleIndex: -1, outcome: { error: "NO_MATCHING_RULE" } };
}

const same = (x: DiffOutcome, y: DiffOutcome): boolean => JSON.stringify(x) === JSON.stringify(y);

/** Walks the class assignments that decide `policies`, calling `leaf` on each deciding one. */
function explore(
  domains: readonly SignalDomain[],
  policies: readonly CompiledPolicy[],
  leaf: (a: Assignment, decisions: readonly Extract<Decision, { outcome: DiffOutcome }>[]) => void,
): void {
  const byName = new Map(domains.map((d) => [d.signal, d]));
  let steps = 0;
  const walk = (a: Map<string, ValueClass>): void => {
    if (++steps > MAX_STEPS) throw new DiffTooComplexError(MAX_STEPS);
    const decisions = policies.map((p) => decide(p, a));
    const pending = decisions.find((d): d is { needs: string } => "needs" in d);
    if (!pending) {
      leaf(a, decisions as Extract<Decision, { outcome: DiffOutcome }>[]);
      return;
    }
    const domain = byName.get(pending.needs);
    // A signal neither version shares is always absent from a shared input.
    const classes = domain?.classes ?? [{ kind: "absent" as const }];
    for (const c of classes) {
      a.set(pending.needs, c);
      walk(a);
      a.delete(pending.needs);
    }
  };
  walk(new Map());
}

/** A full input inside the region, valid for both versions. */
function witnessOf(region: Assignment, domains: readonly SignalDomain[]): Record<string, SignalValue> {
  const out: Record<string, SignalValue> = {};
  for (const d of domains) {
    const c = region.get(d.signal) ?? (d.required ? d.classes[0] : undefined);
    const v = c === undefined ? undefined : sampleOf(c);
    if (v !== undefined) out[d.signal] = v;
  }
  return out;
}

function signalChanges(older: CompiledPolicy, newer: CompiledPolicy): SignalChanges {
  const a = older.policy.signalsSchema;
  const b = newer.policy.signalsSchema;
  const names = (o: object): string[] => Object.keys(o);
  const both = names(a).filter((n) => Object.hasOwn(b, n));
  const canonical = (d: SignalDeclaration): string =>
    JSON.stringify({
      ...d,
      required: d.required !== false,
      values: d.values ? [...d.values].sort() : undefined,
    });
  return {
    added: names(b).filter((n) => !Object.hasOwn(a, n)),
    removed: names(a).filter((n) => !Object.hasOwn(b, n)),
    retyped: both
      .filter((n) => a[n]?.type !== b[n]?.type)
      .map((n) => ({ signal: n, old: a[n]?.type ?? "", new: b[n]?.type ?? "" })),
    constrained: both
      .filter(
        (n) =>
          a[n]?.type === b[n]?.type &&
          canonical(a[n] as SignalDeclaration) !== canonical(b[n] as SignalDeclaration),
      )
      .map((n) => ({ signal: n, old: a[n] as SignalDeclaration, new: b[n] as SignalDeclaration })),
  };
}

/** The rules of a version that decide no input it accepts, and why. */
export function unreachableRules(policy: CompiledPolicy, version: "old" | "new"): UnreachableRule[] {
  const domains = sharedDomains(policy, policy) ?? [];
  const deciding = new Set<number>();
  explore(domains, [policy], (_a, [d]) => {
    if (d) deciding.add(d.ruleIndex);
  });
  return policy.rules.flatMap((rule, i) => {
    if (deciding.has(i)) return [];
    // Is its condition alone ever true? (Then earlier rules took every such input.)
    const alone: CompiledPolicy = { policy: policy.policy, rules: [rule] };
    const matched = new Set<number>();
    explore(domains, [alone], (_a, [d]) => {
      if (d) matched.add(d.ruleIndex);
    });
    const reason = matched.has(0) ? ("shadowed" as const) : ("never-true" as const);
    return [{ version, ruleId: rule.id, reason }];
  });
}

export function diffPolicies(older: CompiledPolicy, newer: CompiledPolicy): PolicyDiff {
  const signals = signalChanges(older, newer);
  const unreachable = [...unreachableRules(older, "old"), ...unreachableRules(newer, "new")];
  const domains = sharedDomains(older, newer);
  if (domains === undefined) return { changes: [], unreachable, signals, sharedInputs: false };
  const changes: Change[] = [];
  explore(domains, [older, newer], (a, [o, n]) => {
    if (!o || !n || same(o.outcome, n.outcome)) return;
    const witness = witnessOf(a, domains);
    checkWitness(older, newer, witness, o.outcome, n.outcome);
    changes.push({ region: Object.fromEntries(a), witness, old: o.outcome, new: n.outcome });
  });
  return { changes: mergeAdjacent(changes), unreachable, signals, sharedInputs: true };
}

function outcomeOf(policy: CompiledPolicy, signals: Signals): DiffOutcome {
  const e = evaluatePolicy(policy, signals);
  return e.matched
    ? { action: e.outcome.action, ruleId: e.ruleId, requires_override: e.outcome.requires_override }
    : { error: "NO_MATCHING_RULE" };
}

/** Every witness is checked by the evaluator itself: valid for both, deciding as reported. */
function checkWitness(
  older: CompiledPolicy,
  newer: CompiledPolicy,
  witness: Record<string, SignalValue>,
  o: DiffOutcome,
  n: DiffOutcome,
): void {
  for (const [policy, expected] of [
    [older, o],
    [newer, n],
  ] as const) {
    const checked = validateSignals(policy.policy, witness);
    if (!checked.ok || !same(outcomeOf(policy, checked.signals), expected))
      throw new Error(`internal: the diff's witness ${JSON.stringify(witness)} does not show its change`);
  }
}

/** Whether signals (valid for both versions) fall inside a region. */
export function inRegion(region: Region, signals: Readonly<Record<string, unknown>>): boolean {
  return Object.entries(region).every(([name, c]) =>
    inClass(c, Object.hasOwn(signals, name) ? (signals[name] as SignalValue) : undefined),
  );
}
