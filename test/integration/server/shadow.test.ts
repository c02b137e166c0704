// Shadow evaluation against the real services (Redis, Postgres): loan-approval 1.2.0 is enforced and 1.3.0
// runs in its shadow, differing on one region (large loans in India now start at 40,000, not 50,000). 200
// executes are answered by 1.2.0 alone — every attestation names its bundle — the disagreement counter
// equals the number of requests inside the region `parmana policy diff` reports, the audit table holds 200
// decisions (not 400), and GET /audit/shadow keeps the disagreements with the signals' hash, not the signals.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import pg from "pg";
import type { Attestation } from "../../../src/attest/index.ts";
import { buildBundleDirectory } from "../../../src/bundle/index.ts";
import { parseSigningKey } from "../../../src/crypto/index.ts";
import { compilePolicy, diffPolicies, inRegion, type CompiledPolicy } from "../../../src/policy/index.ts";
import { executeBody, get, post, startTestServer, uniqueId, writeServerFiles } from "../../support/server.ts";

function compiledOf(doc: unknown): CompiledPolicy {
  const c = compilePolicy(doc).compiled;
  assert.ok(c);
  return c;
}

/** A small deterministic generator (the test must be the same each run). */
function* inputs(n: number): Generator<Record<string, unknown>> {
  let x = 0x2545f491;
  const next = (m: number): number => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % m;
  };
  for (let i = 0; i < n; i++)
    yield {
      credit_score: 500 + next(400),
      country: next(3) === 0 ? "US" : "IN",
      flagged: next(10) === 0,
      amount: 30_000 + next(30_000),
    };
}

test("shadow: 1.3.0 beside 1.2.0 — v1 alone answers, disagreements = requests in the diff's region, 200 audit rows", async (t) => {
  const files = await writeServerFiles(t);
  const v1Doc = JSON.parse(
    await readFile(join(files.policiesRoot, "loan-approval", "1.2.0", "policy.json"), "utf8"),
  ) as {
    rules: { id: string; condition: { all?: Record<string, unknown>[] } }[];
  };
  const v2Doc = structuredClone(v1Doc) as typeof v1Doc & { policyVersion: string };
  v2Doc.policyVersion = "1.3.0";
  const large = v2Doc.rules.find((r) => r.id === "large");
  assert.ok(large?.condition.all);
  large.condition.all[0] = { signal: "amount", greater_than: 40_000 };
  const v2Dir = join(files.policiesRoot, "loan-approval", "1.3.0");
  await mkdir(v2Dir, { recursive: true });
  await writeFile(join(v2Dir, "policy.json"), JSON.stringify(v2Doc));
  await buildBundleDirectory(v2Dir, parseSigningKey(files.bundleSigningKeyPem));

  const diff = diffPolicies(compiledOf(v1Doc), compiledOf(v2Doc));
  assert.equal(diff.changes.length, 1, "the two versions differ on one region");
  const region = diff.changes[0]?.region ?? {};

  const s = await startTestServer(t, {
    files,
    env: { PARMANA_SHADOW_BUNDLES: "loan-approval/1.3.0=1.2.0", PARMANA_RATE_LIMIT_EXECUTE: "100000" },
  });
  const policies = (await get(`${s.url}/policies`, files.keys.verifier)).body as {
    policyVersion: string;
    bundleHash: string;
    shadowOf?: string;
  }[];
  const v1Hash = policies.find((p) => p.policyVersion === "1.2.0")?.bundleHash;
  assert.ok(v1Hash);
  assert.equal(policies.find((p) => p.policyVersion === "1.3.0")?.shadowOf, "1.2.0", "listed as a shadow");

  let inside = 0;
  const ids: string[] = [];
  for (const signals of inputs(200)) {
    if (inRegion(region, signals)) inside += 1;
    const id = uniqueId("shadow");
    ids.push(id);
    const r = await post(`${s.url}/execute`, files.keys.executor, executeBody(id, signals));
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const attestation = r.body["attestation"] as Attestation;
    assert.equal(attestation.policyVersion, "1.2.0");
    assert.equal(attestation.bundleHash, v1Hash, "every attestation names the enforced bundle");
  }
  assert.ok(inside > 5 && inside < 150, `the inputs cover the region and more (${String(inside)} inside)`);

  const metrics = await (await fetch(s.server.metricsUrl)).text();
  const count = (agree: string): number =>
    Number(
      new RegExp(
        `^parmana_shadow_evaluations_total\\{policy_id="loan-approval",enforced_version="1\\.2\\.0",shadow_version="1\\.3\\.0",agree="${agree}"\\} (\\d+)$`,
        "m",
      ).exec(metrics)?.[1] ?? "0",
    );
  assert.equal(count("false"), inside, "disagreements = requests inside the diff's region");
  assert.equal(count("true"), 200 - inside);

  const db = new pg.Client({ connectionString: s.databaseUrl });
  await db.connect();
  const rows = await db.query<{ n: string }>(
    "select count(*) as n from audit_decisions where execution_id = any($1)",
    [ids],
  );
  assert.equal(Number(rows.rows[0]?.n), 200, "one audit row per request: the shadow writes none");
  const all = await db.query<{ n: string }>("select count(*) as n from audit_decisions");
  assert.equal(Number(all.rows[0]?.n), 200);
  await db.end();

  const report = (await get(`${s.url}/audit/shadow?limit=1000`, files.keys.auditor)).body as {
    summaries: { agreements: number; disagreements: number }[];
    disagreements: {
      executionId: string;
      signalsHash: string;
      enforced: { ruleId?: string };
      shadow: { ruleId?: string };
    }[];
  };
  assert.deepEqual(
    report.summaries.map((x) => [x.agreements, x.disagreements]),
    [[200 - inside, inside]],
  );
  assert.equal(report.disagreements.length, inside);
  for (const d of report.disagreements) {
    assert.match(d.signalsHash, /^[0-9a-f]{64}$/);
    assert.deepEqual([d.enforced.ruleId, d.shadow.ruleId], ["default", "large"]);
  }
  assert.ok(!JSON.stringify(report).includes("credit_score"), "no signal values are kept");

  const direct = await post(`${s.url}/execute`, files.keys.executor, {
    ...executeBody(uniqueId("direct")),
    policyVersion: "1.3.0",
  });
  assert.equal(direct.status, 404, "a shadow never decides for a caller who names it");
});
