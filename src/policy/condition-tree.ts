// A compiled condition as a tree: each node keeps its JSON path, what it tests and its compiled predicate.
// Evaluation calls the rule's root predicate (closures, no interpretation); the explanation, the test
// runner's coverage and the semantic diff walk the same nodes, so there is one implementation of what a
// comparison means.
import type { ComparisonOperator, SignalValue, Signals } from "./types.ts";

export type Predicate = (signals: Signals) => boolean;

export interface LeafNode {
  readonly kind: "leaf";
  /** JSON path in policy.json, e.g. $.rules[2].condition.all[0]. */
  readonly path: string;
  readonly signal: string;
  readonly operator: ComparisonOperator;
  readonly operand: SignalValue | readonly SignalValue[];
  readonly test: Predicate;
}

export interface CompositeNode {
  readonly kind: "all" | "any";
  readonly path: string;
  readonly children: readonly ConditionNode[];
  readonly test: Predicate;
}

export interface NotNode {
  readonly kind: "not";
  readonly path: string;
  readonly child: ConditionNode;
  readonly test: Predicate;
}

export type ConditionNode = LeafNode | CompositeNode | NotNode;
