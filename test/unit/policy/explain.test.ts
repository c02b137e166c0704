// The explanation agrees with the evaluator on every policy and every input (property), and says what a
// person needs: the first failing leaf with expected and actual values, and why evaluation stopped.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  evaluatePolicy,
  explainPolicy,
  formatExplanation,
  type ConditionNode,
  type Signals,
} from "../../../src/policy/index.ts";
import { asSignals, compiled, policyArbitrary, signalsArbitrary } from "../../support/policy-arbitrary.ts";

function nodeAt(node: ConditionNode, path: string): ConditionNode | undefined {
  if (node.path === path) return node;
  const children = node.kind === "leaf" ? [] : node.kind === "not" ? [node.child] : node.children;
  for (const c of children) {
    const found = nodeAt(c, path);
    if (found) return found;
  }
  return undefined;
}

test("explain: the matched rule is always the evaluator's, and every failing leaf really compares as reported (property)", () => {
  fc.assert(
    fc.property(policyArbitrary, signalsArbitrary, (doc, raw) => {
      const policy = compiled(doc);
      const signals: Signals = asSignals(raw);
      const evaluation = evaluatePolicy(policy, signals);
      const explanation = explainPolicy(policy, signals);
      assert.deepEqual(explanation.decision, evaluation);
      const last = explanation.rules.at(-1);
      if (evaluation.matched) {
        assert.ok(last);
        assert.equal(last.ruleId, evaluation.ruleId);
        assert.equal(last.matched, true);
        assert.equal(explanation.rules.length + explanation.notEvaluated.length, policy.rules.length);
      } else assert.equal(explanation.rules.length, policy.rules.length);
      for (const [i, trace] of explanation.rules.entries()) {
        const rule = policy.rules[i];
        assert.ok(rule);
        assert.equal(trace.ruleId, rule.id);
        assert.equal(trace.matched, rule.test(signals));
        if (trace.matched || !trace.failedAt) continue;
        const leaf = nodeAt(rule.condition, trace.failedAt.path);
        assert.ok(leaf?.kind === "leaf", `the reported path ${trace.failedAt.path} is a leaf`);
        assert.equal(leaf.test(signals), trace.failedAt.held, "the leaf compares as reported");
        assert.equal(trace.failedAt.signal, leaf.signal);
        assert.equal(trace.failedAt.actual, signals[leaf.signal] ?? null);
      }
    }),
    { numRuns: 2_000 },
  );
});

test("explain: the first failing leaf, its values, a negation, and why it stopped", () => {
  const policy = compiled({
    policyId: "p",
    policyVersion: "1.0.0",
    schemaVersion: "1.0.0",
    signalsSchema: {
      n: { type: "integer" },
      e: { type: "enum", values: ["a", "b"] },
      f: { type: "boolean", required: false },
    },
    rules: [
      {
        id: "big-a",
        condition: {
          all: [
            { signal: "e", equals: "a" },
            { signal: "n", greater_than: 10 },
          ],
        },
        outcome: { action: "review", requires_override: true, reason: "big" },
      },
      {
        id: "not-b",
        condition: { not: { signal: "e", equals: "b" } },
        outcome: { action: "reject", requires_override: false, reason: "not b" },
      },
      {
        id: "flag",
        condition: { signal: "f", equals: true },
        outcome: { action: "reject", requires_override: false, reason: "flag" },
      },
      {
        id: "default",
        condition: { all: [] },
        outcome: { action: "approve", requires_override: false, reason: "ok" },
      },
    ],
  });
  const e = explainPolicy(policy, asSignals({ n: 5, e: "b" }));
  assert.deepEqual(e.rules[0], {
    ruleId: "big-a",
    matched: false,
    failedAt: {
      path: "$.rules[0].condition.all[0]",
      signal: "e",
      operator: "equals",
      expected: "a",
      actual: "b",
      held: false,
    },
  });
  assert.deepEqual(e.rules[1]?.failedAt, {
    path: "$.rules[1].condition.not",
    signal: "e",
    operator: "equals",
    expected: "b",
    actual: "b",
    held: true,
  });
  assert.equal(e.rules[2]?.failedAt?.actual, null, "a signal not given is null");
  assert.deepEqual(e.decision, {
    matched: true,
    ruleId: "default",
    outcome: { action: "approve", requires_override: false, reason: "ok" },
  });
  assert.match(e.stopped, /rule default matched/);
  assert.deepEqual(formatExplanation(e), [
    '✗ big-a: e = "b", needs equals "a" ($.rules[0].condition.all[0])',
    '✗ not-b: e = "b", which is equals "b" — negated by "not" ($.rules[1].condition.not)',
    "✗ flag: f not given, needs equals true ($.rules[2].condition)",
    "✓ default: matched",
    "stopped: rule default matched (the first rule that matches decides)",
  ]);
  const early = explainPolicy(policy, asSignals({ n: 11, e: "a" }));
  assert.deepEqual(early.notEvaluated, ["not-b", "flag", "default"]);
  assert.match(early.stopped, /3 later rule\(s\) not evaluated/);
});
