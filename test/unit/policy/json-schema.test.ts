// The JSON Schemas shipped for editors (schemas/policy.schema.json, schemas/policy-test.schema.json), checked
// with Ajv in draft 2020-12 mode: the example policy and a suite validate; typical mistakes are refused; and
// the schema never refuses a policy the compiler accepts (random policies, property).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { Ajv2020 } from "ajv/dist/2020.js";
import fc from "fast-check";
import { parse } from "yaml";
import { EXAMPLE_POLICY_DIR, examplePolicy } from "../../support/bundles.ts";
import { policyArbitrary } from "../../support/policy-arbitrary.ts";

async function validator(name: string): Promise<(doc: unknown) => boolean> {
  const schema = JSON.parse(
    await readFile(new URL(`../../../schemas/${name}`, import.meta.url), "utf8"),
  ) as object;
  const ajv = new Ajv2020({ strict: true, strictRequired: false, allowUnionTypes: true, allErrors: true });
  return ajv.compile(schema) as (doc: unknown) => boolean;
}

test("json-schema: the example policy validates; typical mistakes are refused", async () => {
  const valid = await validator("policy.schema.json");
  const policy = await examplePolicy();
  assert.ok(valid(policy), String(EXAMPLE_POLICY_DIR));
  const rules = policy["rules"] as Record<string, unknown>[];
  const withRule = (rule: unknown): unknown => ({ ...policy, rules: [rule, ...rules] });
  const outcome = { action: "reject", requires_override: false, reason: "x" };
  for (const [what, doc] of [
    ["an unknown top-level field", { ...policy, colour: "red" }],
    [
      "two operators in a leaf",
      withRule({ id: "x", outcome, condition: { signal: "amount", less_than: 1, greater_than: 0 } }),
    ],
    ["an unknown operator", withRule({ id: "x", outcome, condition: { signal: "amount", between: [1, 2] } })],
    ["an empty in-list", withRule({ id: "x", outcome, condition: { signal: "country", in: [] } })],
    ["a rule without an outcome", withRule({ id: "x", condition: { all: [] } })],
    [
      "an action with capitals",
      withRule({ id: "x", outcome: { ...outcome, action: "Reject" }, condition: { all: [] } }),
    ],
    ["an enum without values", { ...policy, signalsSchema: { e: { type: "enum" } } }],
    [
      "a prototype name as a signal",
      { ...policy, signalsSchema: JSON.parse('{"__proto__": {"type": "string"}}') as unknown },
    ],
    ["an unsupported schemaVersion", { ...policy, schemaVersion: "2.0.0" }],
  ] as const)
    assert.equal(valid(JSON.parse(JSON.stringify(doc))), false, what);
});

test("json-schema: every policy the compiler accepts validates (property)", async () => {
  const valid = await validator("policy.schema.json");
  fc.assert(
    fc.property(policyArbitrary, (doc) => valid(doc)),
    { numRuns: 500 },
  );
});

test("json-schema: a suite validates, in JSON and YAML; a malformed one is refused", async () => {
  const valid = await validator("policy-test.schema.json");
  const suite = parse(`cases:
  - name: approved
    signals: { amount: 1 }
    expect: { action: approve }
  - name: refused
    signals: { amount: "1" }
    expect: { error: VAL-005 }
`) as unknown;
  assert.ok(valid(suite));
  assert.ok(valid({ cases: [{ name: "n", signals: {}, expect: { error: "NO_MATCHING_RULE" } }] }));
  assert.equal(valid({ cases: [{ name: "n", signals: {}, expect: {} }] }), false, "nothing to check");
  assert.equal(
    valid({ cases: [{ name: "n", signals: {}, expect: { error: "VAL-005", action: "x" } }] }),
    false,
  );
  assert.equal(valid({ cases: [{ name: "n", expect: { action: "x" } }] }), false, "no signals");
  assert.equal(valid({ cases: [] }), false);
});

test("json-schema: a policy.json that names its schema still compiles (the compiler allows $schema)", async () => {
  const policy = { $schema: "../../../schemas/policy.schema.json", ...(await examplePolicy()) };
  const valid = await validator("policy.schema.json");
  assert.ok(valid(policy));
  const { compilePolicy } = await import("../../../src/policy/index.ts");
  assert.deepEqual(
    compilePolicy(policy).diagnostics.filter((d) => d.severity === "error"),
    [],
  );
});
