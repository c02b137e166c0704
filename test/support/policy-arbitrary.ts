// Random policies and signals for property tests of the policy language: a fixed signal schema with one
// signal of each type (two of them optional), random conditions over it up to depth 3, and 1–6 rules with
// or without a catch-all. Every generated policy compiles; every generated signals object is valid.
import fc from "fast-check";
import { compilePolicy, type CompiledPolicy, type Signals } from "../../src/policy/index.ts";

export const SIGNALS_SCHEMA = {
  n: { type: "integer", min: 0, max: 20 },
  x: { type: "number", min: -10, max: 10 },
  e: { type: "enum", values: ["a", "b", "c"] },
  f: { type: "boolean", required: false },
  s: { type: "string", required: false, maxLength: 8 },
} as const;

const ints = fc.integer({ min: 0, max: 20 });
const nums = fc.integer({ min: -20, max: 20 }).map((i) => i / 2);
const enums = fc.constantFrom("a", "b", "c");
const strs = fc.constantFrom("", "p", "q", "pq");

const ordering = fc.constantFrom("greater_than", "greater_than_or_equal", "less_than", "less_than_or_equal");
const equality = fc.constantFrom("equals", "not_equals");
const membership = fc.constantFrom("in", "not_in");

function leafOf(signal: string, values: fc.Arbitrary<number | string | boolean>, numeric: boolean) {
  const ops = numeric
    ? fc.oneof(
        fc.tuple(ordering, values),
        fc.tuple(equality, values),
        fc.tuple(membership, fc.uniqueArray(values, { minLength: 1, maxLength: 3 })),
      )
    : fc.oneof(
        fc.tuple(equality, values),
        fc.tuple(membership, fc.uniqueArray(values, { minLength: 1, maxLength: 3 })),
      );
  return ops.map(([op, operand]) => ({ signal, [op]: operand }));
}

const leaf = fc.oneof(
  leafOf("n", ints, true),
  leafOf("x", nums, true),
  leafOf("e", enums, false),
  leafOf("f", fc.boolean(), false),
  leafOf("s", strs, false),
);

export const conditionArbitrary: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    leaf,
    fc.record({ all: fc.array(tie("node"), { maxLength: 3 }) }),
    fc.record({ any: fc.array(tie("node"), { maxLength: 3 }) }),
    fc.record({ not: tie("node") }),
  ),
})).node;

const outcome = fc.record({
  action: fc.constantFrom("approve", "reject", "review"),
  requires_override: fc.boolean(),
  reason: fc.constant("generated"),
});

export const policyArbitrary: fc.Arbitrary<Record<string, unknown>> = fc
  .tuple(
    fc.array(fc.tuple(conditionArbitrary, outcome), { minLength: 1, maxLength: 6 }),
    fc.boolean(),
    outcome,
  )
  .map(([rules, catchAll, last]) => ({
    policyId: "generated",
    policyVersion: "1.0.0",
    schemaVersion: "1.0.0",
    signalsSchema: SIGNALS_SCHEMA,
    rules: [
      ...rules.map(([condition, o], i) => ({ id: `r${String(i)}`, condition, outcome: o })),
      ...(catchAll ? [{ id: "default", condition: { all: [] }, outcome: last }] : []),
    ],
  }));

export const signalsArbitrary: fc.Arbitrary<Record<string, unknown>> = fc
  .record({
    n: ints,
    x: nums,
    e: enums,
    f: fc.option(fc.boolean(), { nil: undefined }),
    s: fc.option(strs, { nil: undefined }),
  })
  .map((s) => Object.fromEntries(Object.entries(s).filter(([, v]) => v !== undefined)));

/** Compiles a generated policy (they always compile; a failure here is a bug in the generator). */
export function compiled(policy: Record<string, unknown>): CompiledPolicy {
  const result = compilePolicy(policy);
  if (!result.compiled)
    throw new Error(`generated policy does not compile: ${JSON.stringify(result.diagnostics)}`);
  return result.compiled;
}

export const asSignals = (s: Record<string, unknown>): Signals => s as Signals;
