// Rule and condition-branch coverage of a policy by a set of evaluations, counted as evaluation really runs
// (first match decides; all/any stop at the first child that settles them).
// - A rule is covered when some evaluation was decided by it.
// - Branches: an `all` of n children has n+1 — "held", or "false at [i]" when child i was the first false
//   one; an `any` has n+1 — "true at [i]" when child i was the first true one, or "none held"; a `not` has
//   two — "held" and "did not hold". A branch is covered when some evaluation took it. Leaves have no
//   branches of their own: their outcomes are the branches of the node above them (or, for a rule that is
//   a single leaf, whether the rule matched).
import type { ConditionNode } from "./condition-tree.ts";
import type { CompiledPolicy } from "./compile.ts";
import type { Signals } from "./types.ts";

export interface Branch {
  readonly ruleId: string;
  readonly path: string;
  readonly branch: string;
}

export interface CoverageCount<T> {
  readonly covered: number;
  readonly total: number;
  /** 100 when there is nothing to cover. One decimal. */
  readonly percent: number;
  readonly uncovered: readonly T[];
}

export interface Coverage {
  readonly rules: CoverageCount<string>;
  readonly branches: CoverageCount<Branch>;
}

const branchKey = (b: Omit<Branch, "ruleId">): string => `${b.path} ${b.branch}`;

/** Every branch of a condition tree, in document order. */
function branchesOf(node: ConditionNode, ruleId: string): Branch[] {
  switch (node.kind) {
    case "leaf":
      return [];
    case "not":
      return [
        { ruleId, path: node.path, branch: "held" },
        { ruleId, path: node.path, branch: "did not hold" },
        ...branchesOf(node.child, ruleId),
      ];
    case "all":
    case "any": {
      const own = node.children.map((_, i) => ({
        ruleId,
        path: node.path,
        branch: `${node.kind === "all" ? "false" : "true"} at [${String(i)}]`,
      }));
      own.push({ ruleId, path: node.path, branch: node.kind === "all" ? "held" : "none held" });
      return [...own, ...node.children.flatMap((c) => branchesOf(c, ruleId))];
    }
  }
}

/** Marks the branches one evaluation of `node` takes, short-circuiting as the predicates do. */
function take(node: ConditionNode, signals: Signals, taken: Set<string>): void {
  switch (node.kind) {
    case "leaf":
      return;
    case "not":
      taken.add(branchKey({ path: node.path, branch: node.test(signals) ? "held" : "did not hold" }));
      take(node.child, signals, taken);
      return;
    case "all":
    case "any": {
      const settles = node.kind === "all" ? false : true;
      for (const [i, child] of node.children.entries()) {
        take(child, signals, taken);
        if (child.test(signals) === settles) {
          taken.add(branchKey({ path: node.path, branch: `${String(settles)} at [${String(i)}]` }));
          return;
        }
      }
      taken.add(branchKey({ path: node.path, branch: node.kind === "all" ? "held" : "none held" }));
    }
  }
}

function count<T>(all: readonly T[], isCovered: (t: T) => boolean): CoverageCount<T> {
  const uncovered = all.filter((t) => !isCovered(t));
  const covered = all.length - uncovered.length;
  const percent = all.length === 0 ? 100 : Math.floor((covered / all.length) * 1000) / 10;
  return { covered, total: all.length, percent, uncovered };
}

export function policyCoverage(compiled: CompiledPolicy, evaluations: Iterable<Signals>): Coverage {
  const decidedBy = new Set<string>();
  const taken = new Set<string>();
  for (const signals of evaluations) {
    for (const rule of compiled.rules) {
      take(rule.condition, signals, taken);
      if (rule.test(signals)) {
        decidedBy.add(rule.id);
        break;
      }
    }
  }
  const branches = compiled.rules.flatMap((r) => branchesOf(r.condition, r.id));
  return {
    rules: count(
      compiled.rules.map((r) => r.id),
      (id) => decidedBy.has(id),
    ),
    branches: count(branches, (b) => taken.has(branchKey(b))),
  };
}
