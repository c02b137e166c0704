// Coverage is exact on a hand-written suite (every number and every uncovered branch worked out by hand in
// the comments), and the suite format is parsed strictly.
import { test } from "node:test";
import assert from "node:assert/strict";
import { SuiteFormatError, parseSuite, runSuites } from "../../../src/policy/index.ts";
import { compiled } from "../../support/policy-arbitrary.ts";

const policy = compiled({
  policyId: "p",
  policyVersion: "1.0.0",
  schemaVersion: "1.0.0",
  signalsSchema: {
    n: { type: "integer" },
    e: { type: "enum", values: ["a", "b", "c"] },
    f: { type: "boolean", required: false },
  },
  rules: [
    // A single leaf: no branches of its own.
    {
      id: "flag",
      condition: { signal: "f", equals: true },
      outcome: { action: "reject", requires_override: false, reason: "" },
    },
    // all of 2: "false at [0]", "false at [1]", "held".
    {
      id: "big",
      condition: {
        all: [
          { signal: "e", in: ["a"] },
          { signal: "n", greater_than: 10 },
        ],
      },
      outcome: { action: "review", requires_override: true, reason: "" },
    },
    // any of 2: "true at [0]", "true at [1]", "none held"; the not: "held", "did not hold".
    {
      id: "either",
      condition: { any: [{ signal: "n", less_than: 2 }, { not: { signal: "e", equals: "c" } }] },
      outcome: { action: "reject", requires_override: false, reason: "" },
    },
    // all of 0: "held".
    {
      id: "default",
      condition: { all: [] },
      outcome: { action: "approve", requires_override: false, reason: "" },
    },
  ],
});

const suite = parseSuite(
  "tests/hand.test.yaml",
  `
cases:
  - name: flagged               # flag decides; no branch
    signals: { n: 5, e: a, f: true }
    expect: { action: reject, ruleId: flag }
  - name: big in a              # big: held
    signals: { n: 11, e: a }
    expect: { ruleId: big, requires_override: true }
  - name: b is not c            # big: false at [0]; either: true at [1], not held
    signals: { n: 5, e: b }
    expect: { ruleId: either }
  - name: c falls through       # big: false at [0]; either: not did not hold, none held; default: held
    signals: { n: 5, e: c }
    expect: { action: approve }
  - name: a string is not an integer
    signals: { n: "5", e: a }
    expect: { error: VAL-007 }
  - name: wrong on purpose
    signals: { n: 5, e: c }
    expect: { action: reject }
`,
);

test("coverage: exact rule and branch coverage of a hand-written suite; failures say how they differ", () => {
  const report = runSuites(policy, [suite]);
  assert.equal(report.passed, 5);
  assert.equal(report.failed, 1);
  assert.equal(
    report.cases[5]?.failure,
    "expected action reject, got action approve, rule default, requires_override false",
  );
  assert.deepEqual(report.coverage.rules, { covered: 4, total: 4, percent: 100, uncovered: [] });
  assert.deepEqual(report.coverage.branches, {
    covered: 7,
    total: 9,
    percent: 77.7,
    uncovered: [
      { ruleId: "big", path: "$.rules[1].condition", branch: "false at [1]" },
      { ruleId: "either", path: "$.rules[2].condition", branch: "true at [0]" },
    ],
  });
});

test("coverage: a rule no case reaches is uncovered; an empty suite set covers nothing", () => {
  const only = parseSuite(
    "tests/one.test.json",
    JSON.stringify({ cases: [{ name: "x", signals: { n: 1, e: "c" }, expect: { ruleId: "either" } }] }),
  );
  const report = runSuites(policy, [only]);
  assert.deepEqual(report.coverage.rules.uncovered, ["flag", "big", "default"]);
  assert.equal(report.coverage.rules.percent, 25);
  const none = runSuites(policy, []);
  assert.equal(none.coverage.branches.covered, 0);
  assert.equal(none.coverage.rules.percent, 0);
});

test("suite: strict parsing — unknown fields, duplicate names, bad codes, empty expectations, YAML aliases", () => {
  const bad = (text: string, file = "tests/x.test.json"): string => {
    try {
      parseSuite(file, text);
    } catch (error) {
      assert.ok(error instanceof SuiteFormatError);
      return error.message;
    }
    assert.fail(`accepted: ${text}`);
  };
  assert.match(bad("[]"), /a suite is an object/);
  assert.match(bad('{"cases": []}'), /non-empty list/);
  assert.match(bad('{"cases": [], "extra": 1}'), /unknown field\(s\) extra/);
  const c = (o: Record<string, unknown>): string =>
    JSON.stringify({ cases: [{ name: "a", signals: {}, ...o }] });
  assert.match(bad(c({ expect: {} })), /names nothing to check/);
  assert.match(bad(c({ expect: { action: "x", colour: 1 } })), /unknown field\(s\) colour/);
  assert.match(bad(c({ expect: { error: "POL-001" } })), /VAL-xxx code or NO_MATCHING_RULE/);
  assert.match(bad(c({ expect: { error: "VAL-004", action: "x" } })), /unknown field\(s\) action/);
  assert.match(bad(c({ expect: { requires_override: "yes" } })), /true or false/);
  assert.match(
    bad(
      JSON.stringify({
        cases: [
          { name: "a", signals: {}, expect: { action: "x" } },
          { name: "a", signals: {}, expect: { action: "y" } },
        ],
      }),
    ),
    /used twice/,
  );
  assert.match(
    bad(JSON.stringify({ cases: [{ name: "a", expect: { action: "x" } }] })),
    /signals is missing/,
  );
  assert.match(
    bad("cases:\n  - &a {name: a, signals: {}, expect: {action: x}}\n  - *a\n", "tests/x.test.yaml"),
    /not valid YAML/,
  );
  assert.match(bad("{", "tests/x.test.json"), /not valid JSON/);
});
