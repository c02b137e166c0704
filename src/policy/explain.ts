// Why a policy decided what it did: for each rule in order, whether it matched and, when it did not, the
// first leaf that made it fail (signal, operator, expected, actual); and why evaluation stopped. It walks the
// compiled condition tree and calls each node's own predicate, so it cannot disagree with evaluatePolicy.
// The CLI (`parmana policy eval --explain`) and `POST /evaluate` with "explain": true return this.
import type { ConditionNode, LeafNode } from "./condition-tree.ts";
import type { CompiledPolicy } from "./compile.ts";
import type { ComparisonOperator, Outcome, SignalValue, Signals } from "./types.ts";

/** The leaf that decided a condition's value, as it was compared. */
export interface DecisiveLeaf {
  readonly path: string;
  readonly signal: string;
  readonly operator: ComparisonOperator;
  readonly expected: SignalValue | readonly SignalValue[];
  /** The caller's value; null when the signal was not given (every comparison with it is false). */
  readonly actual: SignalValue | null;
  /** What the comparison gave. Under a `not`, a leaf that held is what made the rule fail. */
  readonly held: boolean;
}

export interface RuleTrace {
  readonly ruleId: string;
  readonly matched: boolean;
  /** For a rule that did not match: the first leaf that made it fail. Absent for `{"any": []}`. */
  readonly failedAt?: DecisiveLeaf;
}

export interface Explanation {
  /** The rules evaluated, in order; the last one matched unless no rule did. */
  readonly rules: readonly RuleTrace[];
  readonly decision:
    | { readonly matched: true; readonly ruleId: string; readonly outcome: Outcome }
    | { readonly matched: false };
  /** Why evaluation stopped, in one sentence. */
  readonly stopped: string;
  /** Rules after the deciding one, never evaluated. */
  readonly notEvaluated: readonly string[];
}

function leaf(node: LeafNode, signals: Signals, held: boolean): DecisiveLeaf {
  return {
    path: node.path,
    signal: node.signal,
    operator: node.operator,
    expected: node.operand,
    actual: Object.hasOwn(signals, node.signal) ? (signals[node.signal] ?? null) : null,
    held,
  };
}

/**
 * The first leaf that gives `node` the value `value` (which it has for these signals): for `all` false, its
 * first false child; for `any` true, its first true child; for `all` true or `any` false, its first child;
 * through `not`, the inner node's opposite. Undefined only for an empty `all`/`any`.
 */
export function decisiveLeaf(
  node: ConditionNode,
  signals: Signals,
  value: boolean,
): DecisiveLeaf | undefined {
  switch (node.kind) {
    case "leaf":
      return leaf(node, signals, value);
    case "not":
      return decisiveLeaf(node.child, signals, !value);
    case "all":
    case "any": {
      const deciding = node.kind === "all" ? !value : value;
      const child = deciding ? node.children.find((c) => c.test(signals) === value) : node.children[0];
      return child && decisiveLeaf(child, signals, value);
    }
  }
}

export function explainPolicy(compiled: CompiledPolicy, signals: Signals): Explanation {
  const rules: RuleTrace[] = [];
  for (const [i, rule] of compiled.rules.entries()) {
    if (rule.test(signals)) {
      rules.push({ ruleId: rule.id, matched: true });
      const rest = compiled.rules.slice(i + 1).map((r) => r.id);
      return {
        rules,
        decision: { matched: true, ruleId: rule.id, outcome: rule.outcome },
        stopped: `rule ${rule.id} matched (the first rule that matches decides)${rest.length > 0 ? `; ${String(rest.length)} later rule(s) not evaluated` : ""}`,
        notEvaluated: rest,
      };
    }
    const failedAt = decisiveLeaf(rule.condition, signals, false);
    rules.push({ ruleId: rule.id, matched: false, ...(failedAt && { failedAt }) });
  }
  return {
    rules,
    decision: { matched: false },
    stopped: `no rule matched: all ${String(rules.length)} evaluated`,
    notEvaluated: [],
  };
}

/** One line per rule, for people: `✗ high-amount: amount = 500, needs greater_than 1000`. */
export function formatExplanation(e: Explanation): string[] {
  const lines = e.rules.map((r) => {
    if (r.matched) return `✓ ${r.ruleId}: matched`;
    const f = r.failedAt;
    if (!f) return `✗ ${r.ruleId}: an empty "any" never matches`;
    const actual = f.actual === null ? `${f.signal} not given` : `${f.signal} = ${JSON.stringify(f.actual)}`;
    const wanted = `${f.operator} ${JSON.stringify(f.expected)}`;
    return f.held
      ? `✗ ${r.ruleId}: ${actual}, which is ${wanted} — negated by "not" (${f.path})`
      : `✗ ${r.ruleId}: ${actual}, needs ${wanted} (${f.path})`;
  });
  return [...lines, `stopped: ${e.stopped}`];
}
