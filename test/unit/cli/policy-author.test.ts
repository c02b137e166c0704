// The policy author's commands as a user types them (the real `parmana` bin in child processes): a suite
// beside policy.json, `policy test` in text, JSON and JUnit (read back with junitparser, a real JUnit XML
// parser), the coverage threshold, `policy eval --explain`, and `policy build` refusing to sign when a case
// fails (and signing with --skip-tests).
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { EXAMPLE_POLICY_DIR } from "../../support/bundles.ts";

const bin = fileURLToPath(new URL("../../../bin/parmana.js", import.meta.url));
const junitparser = fileURLToPath(
  new URL("../../fixtures/tools/junitparser-3.2.0/junitparser-3.2.0-py2.py3-none-any.whl", import.meta.url),
);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Run> {
  return new Promise((resolve) => {
    execFile(command, args, { env }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : 99) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}
const parmana = (...args: string[]): Promise<Run> => run(process.execPath, [bin, ...args]);

// Every rule of the example decides one case; of the four branches (large: false at [0], false at [1], held;
// default: held) the one left is `large`'s "false at [1]" (a large
// amount outside India).
const SUITE = `cases:
  - name: flagged applicants are rejected
    signals: { credit_score: 700, country: US, flagged: true, amount: 10 }
    expect: { action: reject, ruleId: flagged }
  - name: low credit is rejected
    signals: { credit_score: 500, country: US, flagged: false, amount: 10 }
    expect: { ruleId: low-credit }
  - name: large loans in India go to review
    signals: { credit_score: 700, country: IN, flagged: false, amount: 60000 }
    expect: { action: manual_review, requires_override: true }
  - name: small loans are approved
    signals: { credit_score: 700, country: US, flagged: false, amount: 100 }
    expect: { action: approve, ruleId: default }
  - name: an amount must be a number
    signals: { credit_score: 700, country: US, flagged: false, amount: "100" }
    expect: { error: VAL-005 }
`;

async function bundleWithSuite(t: TestContext, suite: string): Promise<{ ws: string; dir: string }> {
  assert.ok(
    existsSync(fileURLToPath(new URL("../../../dist/cli/entry.js", import.meta.url))),
    "npm run build",
  );
  const ws = await mkdtemp(join(tmpdir(), "parmana-author-"));
  t.after(() => rm(ws, { recursive: true, force: true }));
  const dir = join(ws, "policies", "loan-approval", "1.2.0");
  await mkdir(join(dir, "tests"), { recursive: true });
  await copyFile(new URL("policy.json", EXAMPLE_POLICY_DIR), join(dir, "policy.json"));
  await writeFile(join(dir, "tests", "loan.test.yaml"), suite);
  return { ws, dir };
}

test("policy test: text, JSON with coverage, the threshold, and JUnit read back by junitparser", async (t) => {
  const { ws, dir } = await bundleWithSuite(t, SUITE);
  const text = await parmana("policy", "test", dir);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /5 passed, 0 failed; rules 100% \(4\/4\), branches 75% \(3\/4\)/);
  assert.match(text.stdout, /branch never taken: large \$\.rules\[2\]\.condition false at \[1\]/);

  const json = await parmana("policy", "test", dir, "--format", "json");
  assert.equal(json.code, 0, json.stderr);
  const report = JSON.parse(json.stdout) as {
    passed: number;
    failed: number;
    cases: { name: string; passed: boolean }[];
    coverage: {
      rules: { percent: number; uncovered: string[] };
      branches: { covered: number; total: number };
    };
  };
  assert.deepEqual([report.passed, report.failed, report.cases.length], [5, 0, 5]);
  assert.deepEqual(report.coverage.rules, { covered: 4, total: 4, percent: 100, uncovered: [] });
  assert.deepEqual([report.coverage.branches.covered, report.coverage.branches.total], [3, 4]);

  const strict = await parmana("policy", "test", dir, "--threshold", "90");
  assert.equal(strict.code, 1, "branch coverage 75% is below 90%");

  const out = join(ws, "junit.xml");
  const failing = await bundleWithSuite(
    t,
    `${SUITE}  - name: "deliberately wrong <&>"\n    signals: { credit_score: 700, country: US, flagged: false, amount: 100 }\n    expect: { action: reject }\n`,
  );
  const junit = await parmana("policy", "test", dir, failing.dir, "--format", "junit", "--out", out);
  assert.equal(junit.code, 1, "a failing case is exit 1");
  const parsed = await run(
    "python3",
    [
      "-c",
      `import json, sys
from junitparser import JUnitXml, Failure
xml = JUnitXml.fromfile(sys.argv[1])
print(json.dumps([{"suite": s.name, "tests": s.tests, "failures": s.failures,
  "cases": [{"name": c.name, "classname": c.classname, "failed": any(isinstance(r, Failure) for r in c.result),
             "message": next((r.message for r in c.result if isinstance(r, Failure)), None)} for c in s]} for s in xml]))`,
      out,
    ],
    { ...process.env, PYTHONPATH: junitparser },
  );
  assert.equal(parsed.code, 0, parsed.stderr);
  const suites = JSON.parse(parsed.stdout) as {
    suite: string;
    tests: number;
    failures: number;
    cases: { name: string; classname: string; failed: boolean; message: string | null }[];
  }[];
  assert.deepEqual(
    suites.map((s) => [s.suite, s.tests, s.failures]),
    [
      ["loan-approval 1.2.0", 5, 0],
      ["loan-approval 1.2.0", 6, 1],
    ],
  );
  const wrong = suites[1]?.cases.find((c) => c.failed);
  assert.ok(wrong);
  assert.equal(wrong.name, "deliberately wrong <&>", "escaped in the XML, read back as written");
  assert.equal(wrong.classname, "loan-approval.1.2.0.tests/loan.test.yaml");
  assert.match(wrong.message ?? "", /expected action reject, got action approve/);
});

test("policy test: usage and input errors are exit 2", async (t) => {
  const { dir } = await bundleWithSuite(t, "cases: []\n");
  const empty = await parmana("policy", "test", dir);
  assert.equal(empty.code, 2);
  assert.match(empty.stderr, /cases must be a non-empty list/);
  assert.equal((await parmana("policy", "test")).code, 2);
  assert.equal((await parmana("policy", "test", dir, "--format", "xml")).code, 2);
  assert.equal((await parmana("policy", "test", dir, "--threshold", "101")).code, 2);
  const none = await bundleWithSuite(t, SUITE);
  await rm(join(none.dir, "tests"), { recursive: true });
  const missing = await parmana("policy", "test", none.dir);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /has no test suites/);
});

test("policy eval --explain: the decision and why, as text and as JSON", async (t) => {
  const { ws, dir } = await bundleWithSuite(t, SUITE);
  const signals = join(ws, "signals.json");
  await writeFile(
    signals,
    JSON.stringify({ credit_score: 700, country: "US", flagged: false, amount: 60_000 }),
  );
  const text = await parmana("policy", "eval", dir, "--signals", signals, "--explain");
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /✗ flagged: flagged = false, needs equals true/);
  assert.match(
    text.stdout,
    /✗ large: country = "US", needs in \["IN"\] \(\$\.rules\[2\]\.condition\.all\[1\]\)/,
  );
  assert.match(text.stdout, /^approve \(rule default\): default$/m);
  const json = await parmana("policy", "eval", dir, "--signals", signals, "--explain", "--json");
  const doc = JSON.parse(json.stdout) as {
    ruleId: string;
    explanation: { rules: unknown[]; stopped: string };
  };
  assert.equal(doc.ruleId, "default");
  assert.equal(doc.explanation.rules.length, 4);
  await writeFile(signals, JSON.stringify({ country: "FR" }));
  const refused = await parmana("policy", "eval", dir, "--signals", signals);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /VAL-009/);
});

test("policy build: a failing case refuses to sign; --skip-tests signs anyway; the suite is a signed bundle file", async (t) => {
  const { ws, dir } = await bundleWithSuite(
    t,
    SUITE.replace("expect: { action: approve, ruleId: default }", "expect: { action: reject }"),
  );
  const keys = join(ws, "keys");
  assert.equal((await parmana("keys", "generate", "--out", keys)).code, 0);
  const key = join(keys, "signer.key");
  const refused = await parmana("policy", "build", dir, "--key", key);
  assert.equal(refused.code, 1);
  assert.match(
    refused.stderr,
    /✗ tests\/loan\.test\.yaml: small loans are approved — expected action reject, got action approve/,
  );
  assert.match(refused.stderr, /1 of 5 policy test case\(s\) failed; the bundle was not signed/);
  assert.equal(existsSync(join(dir, "bundle.manifest.json")), false, "nothing written");
  const forced = await parmana("policy", "build", dir, "--key", key, "--skip-tests");
  assert.equal(forced.code, 0, forced.stderr);
  const manifest = JSON.parse(await readFile(join(dir, "bundle.manifest.json"), "utf8")) as {
    artifacts: { path: string }[];
  };
  assert.ok(
    manifest.artifacts.some((f) => f.path === "tests/loan.test.yaml"),
    "the suite is listed and hashed in the manifest",
  );
});

test("policy diff: the exact change between two versions, as text and JSON; identical decisions are exit 0", async (t) => {
  const { ws, dir } = await bundleWithSuite(t, SUITE);
  const next = join(ws, "policies", "loan-approval", "1.3.0");
  await mkdir(next, { recursive: true });
  const policy = JSON.parse(await readFile(join(dir, "policy.json"), "utf8")) as {
    policyVersion: string;
    rules: { id: string; condition: { all?: Record<string, unknown>[] } }[];
  };
  policy.policyVersion = "1.3.0";
  const large = policy.rules.find((r) => r.id === "large");
  assert.ok(large?.condition.all?.[0]);
  large.condition.all[0] = { signal: "amount", greater_than: 40_000 };
  await writeFile(join(next, "policy.json"), JSON.stringify(policy));
  const text = await parmana("policy", "diff", dir, next);
  assert.equal(text.code, 1, text.stderr);
  assert.match(
    text.stdout,
    // Exact: the earlier rules (flagged, low-credit) must not decide first, so the region names them too.
    /changed: flagged = false, credit_score >= 550 and credit_score <= 900, amount > 40000 and amount <= 50000, country = "IN": approve \(rule default\) → manual_review \(rule large, requires override\); e\.g\. \{/,
  );
  const json = await parmana("policy", "diff", dir, next, "--json");
  const doc = JSON.parse(json.stdout) as {
    changes: { region: object; witness: Record<string, unknown>; old: object; new: object }[];
    unreachable: unknown[];
    signals: { added: string[] };
  };
  assert.equal(doc.changes.length, 1);
  assert.equal(doc.changes[0]?.witness["country"], "IN");
  assert.deepEqual(doc.unreachable, []);
  assert.deepEqual(doc.signals.added, []);
  const same = await parmana("policy", "diff", dir, dir);
  assert.equal(same.code, 0);
  assert.match(same.stdout, /no change: the two versions decide the same on every input both accept/);
  assert.equal((await parmana("policy", "diff", dir)).code, 2);
});
