// The audit modules on the embedded database (PGlite): the decision log names a second decision for an id,
// an override moves a pending decision exactly once, and rows go in as one ordered statement.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import {
  AuditStore,
  DuplicateExecutionIdError,
  insertRows,
  migrate,
  openPglite,
  type SqlClient,
} from "../../../src/audit/index.ts";
import { signAttestation, type Attestation } from "../../../src/attest/index.ts";
import { generateSigningKeyPair, parseSigningKey } from "../../../src/crypto/index.ts";
import { buildSecurityEvent } from "../../../src/events/index.ts";

async function database(t: TestContext): Promise<SqlClient> {
  const db = await openPglite();
  t.after(() => db.close());
  await migrate(db);
  return db;
}

const signer = parseSigningKey(generateSigningKeyPair().privateKeyPem);
function attestation(executionId: string, requiresOverride = false): Attestation {
  return signAttestation(
    {
      executionId,
      policyId: "p",
      policyVersion: "1.0.0",
      schemaVersion: "1",
      signals: { a: 1 },
      decision: { action: "approve", requires_override: requiresOverride, reason: "r", ruleId: "r1" },
      runtimeVersion: "v",
      runtimeHash: "sha256:" + "0".repeat(64),
      bundleHash: "sha256:" + "1".repeat(64),
      manifestHash: "sha256:" + "2".repeat(64),
      bundleRevision: 1,
      issuedAt: new Date(),
    },
    signer,
  );
}

test("decision-log: a second decision for an executionId is DuplicateExecutionIdError, alone or in a batch", async (t) => {
  const log = new AuditStore(await database(t)).decisionLog;
  await log.recordDecision({
    attestation: attestation("a"),
    signals: {},
    apiKeyId: null,
    requestId: null,
    clientIp: null,
  });
  await assert.rejects(
    log.recordDecision({
      attestation: attestation("a"),
      signals: {},
      apiKeyId: null,
      requestId: null,
      clientIp: null,
    }),
    (e: unknown) => e instanceof DuplicateExecutionIdError && e.executionId === "a",
  );
  // In one group commit with others: only the duplicate fails.
  const results = await Promise.allSettled(
    ["b", "a", "c"].map((id) =>
      log.recordDecision({
        attestation: attestation(id),
        signals: {},
        apiKeyId: null,
        requestId: null,
        clientIp: null,
      }),
    ),
  );
  assert.deepEqual(
    results.map((r) => r.status),
    ["fulfilled", "rejected", "fulfilled"],
  );
  assert.equal((await log.decision("c"))?.executionState, "completed");
});

test("decision-log: an override moves a pending decision once; a completed one is never pending", async (t) => {
  const log = new AuditStore(await database(t)).decisionLog;
  await log.recordDecision({
    attestation: attestation("p", true),
    signals: {},
    apiKeyId: null,
    requestId: null,
    clientIp: null,
  });
  await log.recordDecision({
    attestation: attestation("done"),
    signals: {},
    apiKeyId: null,
    requestId: null,
    clientIp: null,
  });
  const entry = (executionId: string) => ({
    executionId,
    approved: true,
    approvedBy: "alice",
    approverRole: "officer",
    reason: "ok",
    record: { signed: true },
    apiKeyId: null,
    clientIp: null,
    decidedAt: new Date(),
  });
  const [first, second] = await Promise.all([log.recordOverride(entry("p")), log.recordOverride(entry("p"))]);
  assert.deepEqual([first, second].sort(), [false, true], "two at once: exactly one applies");
  assert.equal((await log.decision("p"))?.executionState, "overridden_approved");
  assert.equal(await log.recordOverride(entry("done")), false);
});

test("rows: insertRows writes a batch in its order as one statement, and nothing for no rows", async (t) => {
  const db = await database(t);
  await db.exec("create table t (id bigserial primary key, name text, n int, at timestamptz, doc jsonb)");
  const columns = [
    { name: "name", type: "text" },
    { name: "n", type: "int" },
    { name: "at", type: "timestamptz" },
    { name: "doc", type: "jsonb" },
  ];
  const at = new Date("2026-01-02T03:04:05.678Z");
  await insertRows(db, "t", columns, [
    ["z", 1, at, JSON.stringify({ k: 1 })],
    ["a", 2, at, JSON.stringify({ k: 2 })],
    ["m", 3, at, JSON.stringify({ k: 3 })],
  ]);
  assert.deepEqual(await insertRows(db, "t", columns, []), []);
  const rows = await db.query<{ name: string; n: number; at: Date; doc: { k: number } }>(
    "select name, n, at, doc from t order by id",
  );
  assert.deepEqual(
    rows.map((r) => [r.name, r.n, new Date(r.at).toISOString(), r.doc.k]),
    [
      ["z", 1, at.toISOString(), 1],
      ["a", 2, at.toISOString(), 2],
      ["m", 3, at.toISOString(), 3],
    ],
  );
});

test("security-event-chain: appended events chain, roll up and enter the outbox together; a retry is idempotent", async (t) => {
  const db = await database(t);
  const store = new AuditStore(db);
  const events = ["replay_attempt", "signature_failure", "replay_attempt"].map((type) =>
    buildSecurityEvent(
      { type: type as "replay_attempt", message: type },
      { component: "server", instance: "t" },
    ),
  );
  await store.appendSecurityEvents(events);
  await store.appendSecurityEvents(events.slice(1)); // a retry after a lost acknowledgement
  assert.deepEqual(await store.verifyChain(), { checked: 3 });
  assert.equal(await store.verifyRollup(), undefined);
  const [outbox] = await db.query<{ n: string }>("select count(*)::text as n from security_event_outbox");
  assert.equal(outbox?.n, "3");
  const summary = await store.securitySummary({ limit: 10 });
  assert.deepEqual(
    summary.map((r) => [r.event_type, r.event_count]),
    [
      ["replay_attempt", "2"],
      ["signature_failure", "1"],
    ],
  );
});
