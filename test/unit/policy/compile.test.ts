import { test } from "node:test";
import assert from "node:assert/strict";
import {
  compilePolicy,
  compilePolicyText,
  PolicyErrorCode,
  type PolicyDiagnostic,
} from "../../../src/policy/index.ts";
import { examplePolicy } from "../../support/bundles.ts";

function codes(diagnostics: readonly PolicyDiagnostic[]): string[] {
  return diagnostics.map((d) => `${d.code}@${d.path}`);
}

test("policy.compile: the example policy compiles with no diagnostics", async () => {
  const result = compilePolicy(await examplePolicy(), {
    expectedPolicyId: "loan-approval",
    expectedPolicyVersion: "1.2.0",
  });
  assert.deepEqual(result.diagnostics, []);
  assert.equal(result.compiled?.rules.length, 4);
});

test("policy.compile: every error names file, JSON path and a fix", async () => {
  const base = await examplePolicy();
  const cases: [string, Record<string, unknown>, string][] = [
    ["missing policyId", { ...base, policyId: undefined }, `${PolicyErrorCode.policyId}@$.policyId`],
    [
      "missing policyVersion",
      { ...base, policyVersion: undefined },
      `${PolicyErrorCode.policyVersion}@$.policyVersion`,
    ],
    [
      "missing schemaVersion",
      { ...base, schemaVersion: undefined },
      `${PolicyErrorCode.schemaVersion}@$.schemaVersion`,
    ],
    [
      "missing signalsSchema",
      { ...base, signalsSchema: undefined },
      `${PolicyErrorCode.signalsSchema}@$.signalsSchema`,
    ],
    ["missing rules", { ...base, rules: undefined }, `${PolicyErrorCode.rules}@$.rules`],
    [
      "unsupported schema",
      { ...base, schemaVersion: "9.0.0" },
      `${PolicyErrorCode.unsupportedSchemaVersion}@$.schemaVersion`,
    ],
    [
      "bad signal type",
      { ...base, signalsSchema: { x: { type: "date" } } },
      `${PolicyErrorCode.signalType}@$.signalsSchema.x.type`,
    ],
    [
      "empty enum",
      {
        ...base,
        signalsSchema: { ...(base["signalsSchema"] as object), country: { type: "enum", values: [] } },
      },
      `${PolicyErrorCode.enumValues}@$.signalsSchema.country.values`,
    ],
    [
      "min > max",
      {
        ...base,
        signalsSchema: { ...(base["signalsSchema"] as object), amount: { type: "number", min: 5, max: 1 } },
      },
      `${PolicyErrorCode.signalOptions}@$.signalsSchema.amount`,
    ],
    ["unknown field", { ...base, rulez: [] }, `${PolicyErrorCode.unknownField}@$.rulez`],
  ];
  for (const [name, doc, expected] of cases) {
    const result = compilePolicy(JSON.parse(JSON.stringify(doc)), { file: "p/policy.json" });
    assert.equal(result.compiled, undefined, name);
    assert.ok(
      codes(result.diagnostics).includes(expected),
      `${name}: expected ${expected} in ${codes(result.diagnostics).join(", ")}`,
    );
    for (const d of result.diagnostics) {
      assert.equal(d.file, "p/policy.json");
      assert.ok(d.fix.length > 0 && d.message.length > 0 && d.path.startsWith("$"), name);
    }
  }
});

test("policy.compile: rules must name declared signals with operators that fit their type (POL-013)", async () => {
  const base = await examplePolicy();
  const withRule = (condition: unknown): Record<string, unknown> => ({
    ...base,
    rules: [
      { id: "r", condition, outcome: { action: "approve", requires_override: false, reason: "x" } },
      ...(base["rules"] as unknown[]),
    ],
  });
  const cases: [unknown, string][] = [
    [{ signal: "income", equals: 1 }, "$.rules[0].condition.signal"],
    [{ signal: "country", greater_than: 3 }, "$.rules[0].condition.greater_than"],
    [{ signal: "amount", greater_than: "big" }, "$.rules[0].condition.greater_than"],
    [{ signal: "country", in: ["UK"] }, "$.rules[0].condition.in"],
    [{ signal: "flagged", equals: 1 }, "$.rules[0].condition.equals"],
    [{ all: [{ signal: "credit_score", equals: 1.5 }] }, "$.rules[0].condition.all[0].equals"],
    [{ signal: "amount", between: [1, 2] }, "$.rules[0].condition.between"],
  ];
  for (const [condition, path] of cases) {
    const result = compilePolicy(withRule(condition));
    assert.ok(
      codes(result.diagnostics).includes(`${PolicyErrorCode.ruleSignalOrOperator}@${path}`),
      `${JSON.stringify(condition)} → ${codes(result.diagnostics).join(", ")}`,
    );
  }
});

test("policy.compile: duplicate rule ids, policyId/directory mismatch, bad JSON", async () => {
  const base = await examplePolicy();
  const rules = base["rules"] as { id: string }[];
  const duplicate = compilePolicy({ ...base, rules: [...rules, { ...rules[0] }] });
  assert.ok(codes(duplicate.diagnostics).includes(`${PolicyErrorCode.duplicateRuleId}@$.rules[4].id`));
  const mismatch = compilePolicy(base, { expectedPolicyId: "other" });
  assert.ok(codes(mismatch.diagnostics).includes(`${PolicyErrorCode.policyIdMismatch}@$.policyId`));
  const invalid = compilePolicyText("{ nope", { file: "x/policy.json" });
  assert.deepEqual(codes(invalid.diagnostics), [`${PolicyErrorCode.invalidJson}@$`]);
  assert.equal(compilePolicy([]).diagnostics[0]?.code, PolicyErrorCode.invalidJson);
});

test("policy.compile: warnings (no catch-all rule, version not semver) do not stop compilation", async () => {
  const base = await examplePolicy();
  const rules = (base["rules"] as { id: string }[]).filter((r) => r.id !== "default");
  const result = compilePolicy({ ...base, policyVersion: "v1", rules });
  assert.ok(result.compiled);
  assert.deepEqual(
    result.diagnostics.map((d) => [d.code, d.severity]),
    [
      [PolicyErrorCode.versionNotSemver, "warning"],
      [PolicyErrorCode.noCatchAll, "warning"],
    ],
  );
});

test("policy.compile: hostile nesting is bounded, not a stack overflow", async () => {
  const base = await examplePolicy();
  let condition: unknown = { all: [] };
  for (let i = 0; i < 10_000; i++) condition = { not: condition };
  const result = compilePolicy({
    ...base,
    rules: [{ id: "deep", condition, outcome: { action: "a", requires_override: false, reason: "r" } }],
  });
  assert.ok(codes(result.diagnostics).some((c) => c.startsWith(PolicyErrorCode.malformedCondition)));
});

test("policy.compile: signal names that touch the object prototype are refused", async () => {
  const base = await examplePolicy();
  for (const name of ["__proto__", "constructor", "prototype"]) {
    const doc = JSON.parse(`{"signalsSchema": {"${name}": {"type": "boolean"}}}`) as Record<string, unknown>;
    const result = compilePolicy({ ...base, signalsSchema: doc["signalsSchema"] });
    assert.ok(
      codes(result.diagnostics).includes(`${PolicyErrorCode.signalType}@$.signalsSchema.${name}`),
      name,
    );
  }
});
