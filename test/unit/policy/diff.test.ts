// The semantic diff is exact (property): for random pairs of policies and random inputs, the two versions
// disagree exactly when the input falls inside a reported region (and inside only one); every witness shows
// its change (the diff checks each with the evaluator and would throw); versions that are rewritten but
// equivalent report nothing. Plus the cases people meet: a threshold moved, a rule shadowed, a signal retyped.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  diffPolicies,
  evaluatePolicy,
  formatDiff,
  inRegion,
  type CompiledPolicy,
  type Signals,
} from "../../../src/policy/index.ts";
import { asSignals, compiled, policyArbitrary, signalsArbitrary } from "../../support/policy-arbitrary.ts";

const outcome = (p: CompiledPolicy, s: Signals): string => {
  const e = evaluatePolicy(p, s);
  return e.matched ? JSON.stringify([e.outcome.action, e.ruleId, e.outcome.requires_override]) : "none";
};

/** Rewrites a condition without changing what it means. */
function rewrite(c: unknown, k: number): unknown {
  switch (k % 3) {
    case 0:
      return { all: [c] };
    case 1:
      return { not: { not: c } };
    default:
      return { any: [c, { any: [] }] };
  }
}

const equivalent = (doc: Record<string, unknown>, k: number): Record<string, unknown> => ({
  ...doc,
  policyVersion: "2.0.0",
  rules: [
    ...(doc["rules"] as { condition: unknown }[]).map((r, i) => ({
      ...r,
      condition: rewrite(r.condition, k + i),
    })),
    // A rule after a first rule that always matches... or after nothing: never true, so changes nothing.
    {
      id: "dead",
      condition: { any: [] },
      outcome: { action: "approve", requires_override: false, reason: "" },
    },
  ],
});

test("diff: exact — versions disagree on an input exactly when it lies in a reported region (property)", () => {
  fc.assert(
    fc.property(
      policyArbitrary,
      policyArbitrary,
      fc.array(signalsArbitrary, { minLength: 20, maxLength: 20 }),
      (a, b, inputs) => {
        const older = compiled(a);
        const newer = compiled({ ...b, policyVersion: "2.0.0" });
        const d = diffPolicies(older, newer);
        assert.equal(d.sharedInputs, true);
        for (const raw of inputs) {
          const s = asSignals(raw);
          const differs = outcome(older, s) !== outcome(newer, s);
          const inside = d.changes.filter((c) => inRegion(c.region, raw));
          assert.equal(inside.length > 0, differs, `input ${JSON.stringify(raw)}`);
          assert.ok(inside.length <= 1, "regions are disjoint");
        }
        for (const c of d.changes) assert.notDeepEqual(c.old, c.new);
      },
    ),
    { numRuns: 400 },
  );
});

test("diff: rewritten but equivalent versions report no change (property)", () => {
  fc.assert(
    fc.property(policyArbitrary, fc.nat(), (doc, k) => {
      const d = diffPolicies(compiled(doc), compiled(equivalent(doc, k)));
      assert.deepEqual(d.changes, []);
      assert.ok(d.unreachable.some((u) => u.version === "new" && u.ruleId === "dead"));
    }),
    { numRuns: 300 },
  );
});

const base = {
  policyId: "loan",
  policyVersion: "1.0.0",
  schemaVersion: "1.0.0",
  signalsSchema: { amount: { type: "number", min: 0 }, country: { type: "enum", values: ["IN", "US"] } },
};
const rule = (id: string, condition: unknown, action: string): Record<string, unknown> => ({
  id,
  condition,
  outcome: { action, requires_override: action === "review", reason: id },
});
const fallback = rule("default", { all: [] }, "approve");

test("diff: a moved threshold is one region, with a witness inside it", () => {
  const older = compiled({
    ...base,
    rules: [rule("large", { signal: "amount", greater_than: 50_000 }, "review"), fallback],
  });
  const newer = compiled({
    ...base,
    policyVersion: "1.1.0",
    rules: [rule("large", { signal: "amount", greater_than: 40_000 }, "review"), fallback],
  });
  const d = diffPolicies(older, newer);
  assert.equal(d.changes.length, 1);
  const [c] = d.changes;
  assert.ok(c);
  assert.deepEqual(c.region, {
    amount: {
      kind: "interval",
      integer: false,
      lo: 40_000,
      loInclusive: false,
      hi: 50_000,
      hiInclusive: true,
    },
  });
  assert.deepEqual(c.old, { action: "approve", ruleId: "default", requires_override: false });
  assert.deepEqual(c.new, { action: "review", ruleId: "large", requires_override: true });
  assert.ok(inRegion(c.region, c.witness));
  assert.deepEqual(formatDiff(d), [
    `changed: amount > 40000 and amount <= 50000: approve (rule default) → review (rule large, requires override); e.g. ${JSON.stringify(c.witness)}`,
  ]);
});

test("diff: shadowed and never-true rules; an equivalent reordering is no change", () => {
  const newer = compiled({
    ...base,
    policyVersion: "1.1.0",
    rules: [
      rule("any-amount", { signal: "amount", greater_than_or_equal: 0 }, "approve"),
      rule("large", { signal: "amount", greater_than: 50_000 }, "review"),
      rule(
        "impossible",
        {
          all: [
            { signal: "amount", less_than: 1 },
            { signal: "amount", greater_than: 2 },
          ],
        },
        "reject",
      ),
      fallback,
    ],
  });
  const d = diffPolicies(newer, newer);
  assert.deepEqual(d.changes, []);
  assert.deepEqual(
    d.unreachable.filter((u) => u.version === "new"),
    [
      { version: "new", ruleId: "large", reason: "shadowed" },
      { version: "new", ruleId: "impossible", reason: "never-true" },
      { version: "new", ruleId: "default", reason: "shadowed" },
    ],
  );
  const a = compiled({
    ...base,
    rules: [
      rule("in", { signal: "country", equals: "IN" }, "review"),
      rule("us", { signal: "country", equals: "US" }, "approve"),
    ],
  });
  const b = compiled({
    ...base,
    policyVersion: "2",
    rules: [
      rule("us", { signal: "country", equals: "US" }, "approve"),
      rule("in", { signal: "country", not_equals: "US" }, "review"),
    ],
  });
  assert.deepEqual(diffPolicies(a, b).changes, [], "same decision everywhere, different rules");
});

test("diff: signals added, removed, retyped and constrained; the space both accept", () => {
  const older = compiled({
    ...base,
    signalsSchema: {
      ...base.signalsSchema,
      score: { type: "integer" },
      note: { type: "string", required: false },
    },
    rules: [rule("high", { signal: "score", greater_than: 2 }, "review"), fallback],
  });
  const newer = compiled({
    ...base,
    policyVersion: "2.0.0",
    signalsSchema: {
      amount: { type: "number", min: 0, max: 100 },
      country: { type: "enum", values: ["IN", "US", "FR"] },
      score: { type: "number" },
      vip: { type: "boolean", required: false },
    },
    rules: [rule("high", { signal: "score", greater_than: 2.5 }, "review"), fallback],
  });
  const d = diffPolicies(older, newer);
  assert.deepEqual(d.signals.added, ["vip"]);
  assert.deepEqual(d.signals.removed, ["note"]);
  assert.deepEqual(d.signals.retyped, [{ signal: "score", old: "integer", new: "number" }]);
  assert.deepEqual(
    d.signals.constrained.map((c) => c.signal),
    ["amount", "country"],
  );
  // On the integers both accept, > 2 and > 2.5 differ nowhere: 3 is the first integer above either.
  assert.deepEqual(d.changes, []);
  const required = compiled({
    ...base,
    policyVersion: "3",
    signalsSchema: { ...base.signalsSchema, vip: { type: "boolean" } },
    rules: [fallback],
  });
  const none = diffPolicies(compiled({ ...base, rules: [fallback] }), required);
  assert.equal(none.sharedInputs, false, "a new required signal: no input is valid for both");
});
