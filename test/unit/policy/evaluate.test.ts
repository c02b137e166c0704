import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  compilePolicy,
  evaluatePolicy,
  validateSignals,
  SignalErrorCode,
  type CompiledPolicy,
} from "../../../src/policy/index.ts";
import { examplePolicy } from "../../support/bundles.ts";

async function example(): Promise<CompiledPolicy> {
  const compiled = compilePolicy(await examplePolicy()).compiled;
  assert.ok(compiled);
  return compiled;
}

const good = { credit_score: 720, country: "US", flagged: false, amount: 1000 };

test("policy.evaluate: the first matching rule decides", async () => {
  const policy = await example();
  const decide = (signals: Record<string, unknown>): string => {
    const v = validateSignals(policy.policy, signals);
    assert.ok(v.ok, JSON.stringify(v));
    const e = evaluatePolicy(policy, v.signals);
    return e.matched ? `${e.ruleId}:${e.outcome.action}:${String(e.outcome.requires_override)}` : "none";
  };
  assert.equal(decide(good), "default:approve:false");
  assert.equal(decide({ ...good, flagged: true, credit_score: 300 }), "flagged:reject:false");
  assert.equal(decide({ ...good, credit_score: 549 }), "low-credit:reject:false");
  assert.equal(decide({ ...good, credit_score: 550 }), "default:approve:false");
  assert.equal(decide({ ...good, country: "IN", amount: 50001 }), "large:manual_review:true");
  assert.equal(decide({ ...good, country: "IN", amount: 50000 }), "default:approve:false");
  assert.equal(
    decide({ ...good, country: "US", amount: 90000, applicant_note: "hi" }),
    "default:approve:false",
  );
});

test("policy.evaluate: no rule matching is reported, not guessed", async () => {
  const base = await examplePolicy();
  const compiled = compilePolicy({
    ...base,
    rules: (base["rules"] as { id: string }[]).filter((r) => r.id !== "default"),
  }).compiled;
  assert.ok(compiled);
  const v = validateSignals(compiled.policy, good);
  assert.ok(v.ok);
  assert.deepEqual(evaluatePolicy(compiled, v.signals), { matched: false });
});

test("policy.signals: each kind of bad signal gets its VAL code, all at once, with no coercion", async () => {
  const policy = (await example()).policy;
  const cases: [Record<string, unknown>, string[]][] = [
    [{ ...good, income: 1 }, [SignalErrorCode.unknownSignal]],
    [{ credit_score: 700, country: "US", flagged: false }, [SignalErrorCode.missingSignal]],
    [{ ...good, amount: "1000" }, [SignalErrorCode.numberExpected]],
    [{ ...good, flagged: 1 }, [SignalErrorCode.booleanExpected]],
    [{ ...good, flagged: "true" }, [SignalErrorCode.booleanExpected]],
    [{ ...good, credit_score: 700.5 }, [SignalErrorCode.integerExpected]],
    [{ ...good, applicant_note: 5 }, [SignalErrorCode.stringExpected]],
    [{ ...good, country: "UK" }, [SignalErrorCode.notInEnum]],
    [{ ...good, credit_score: 901 }, [SignalErrorCode.outOfBounds]],
    [{ ...good, applicant_note: "x".repeat(281) }, [SignalErrorCode.outOfBounds]],
    [{ ...good, amount: -1, flagged: null }, [SignalErrorCode.booleanExpected, SignalErrorCode.outOfBounds]],
  ];
  for (const [signals, expected] of cases) {
    const result = validateSignals(policy, signals);
    if (result.ok) assert.fail(`${JSON.stringify(signals)} should be refused`);
    assert.deepEqual(result.errors.map((e) => e.code).sort(), [...expected].sort(), JSON.stringify(signals));
  }
  assert.deepEqual(validateSignals(policy, [1]), {
    ok: false,
    errors: [{ code: SignalErrorCode.notAnObject, signal: "", message: "signals must be a JSON object" }],
  });
});

test("policy.signals: __proto__ and other inherited names are unknown signals, never lookups", async () => {
  const policy = (await example()).policy;
  const hostile = JSON.parse(
    '{"credit_score":700,"country":"US","flagged":false,"amount":1,"__proto__":{"flagged":true}}',
  ) as object;
  const result = validateSignals(policy, hostile);
  if (result.ok) assert.fail("__proto__ must be refused");
  assert.deepEqual(
    result.errors.map((e) => `${e.code}:${e.signal}`),
    [`${SignalErrorCode.unknownSignal}:__proto__`],
  );
  const constructorOnly = validateSignals(policy, { ...good, constructor: 1 });
  assert.equal(constructorOnly.ok, false);
});

test("policy.evaluate: evaluation is deterministic and independent of signal order (property)", async () => {
  const policy = await example();
  const signals = fc.record({
    credit_score: fc.integer({ min: 300, max: 900 }),
    country: fc.constantFrom("IN", "US"),
    flagged: fc.boolean(),
    amount: fc.double({ min: 0, max: 1e9, noNaN: true }),
  });
  fc.assert(
    fc.property(signals, (s) => {
      const forward = validateSignals(policy.policy, s);
      const backward = validateSignals(policy.policy, Object.fromEntries(Object.entries(s).reverse()));
      assert.ok(forward.ok && backward.ok);
      const first = evaluatePolicy(policy, forward.signals);
      assert.deepEqual(evaluatePolicy(policy, forward.signals), first);
      assert.deepEqual(evaluatePolicy(policy, backward.signals), first);
      assert.ok(first.matched, "the example has a catch-all rule");
    }),
    { numRuns: 500 },
  );
});
