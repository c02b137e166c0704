// The permanent replay authority: every decision's executionId is in consumed_executions, written in the same
// transaction; migration 4 brings a populated database there with every id it had.
import { test } from "node:test";
import assert from "node:assert/strict";
import { AuditStore, DuplicateExecutionIdError, migrate, openPglite } from "../../../src/audit/index.ts";
import { signAttestation } from "../../../src/attest/index.ts";
import { generateSigningKeyPair, parseSigningKey } from "../../../src/crypto/index.ts";

const signer = parseSigningKey(generateSigningKeyPair().privateKeyPem);
const attestation = (executionId: string) =>
  signAttestation(
    {
      executionId,
      policyId: "p",
      policyVersion: "1.0.0",
      schemaVersion: "1",
      signals: {},
      decision: { action: "approve", requires_override: false, reason: "r", ruleId: "r1" },
      runtimeVersion: "v",
      runtimeHash: `sha256:${"0".repeat(64)}`,
      bundleHash: `sha256:${"1".repeat(64)}`,
      manifestHash: `sha256:${"2".repeat(64)}`,
      bundleRevision: 1,
      issuedAt: new Date("2026-06-01T00:00:00Z"),
    },
    signer,
  );

test("consumed-ids: migration 4 on a populated database records every decided executionId", async (t) => {
  const db = await openPglite();
  t.after(() => db.close());
  assert.deepEqual(await migrate(db, 3), [1, 2, 3]);
  for (const id of ["a", "b", "c"]) {
    const a = attestation(id);
    await db.query(
      `insert into audit_decisions (execution_id, policy_id, policy_version, bundle_hash, bundle_revision, action, rule_id,
        requires_override, reason, execution_state, execution_fingerprint, signals_hash, signer_key_id, attestation, issued_at)
       values ($1, 'p', '1.0.0', 'h', 1, 'approve', 'r1', false, 'r', 'completed', 'f', 's', 'k', $2, $3)`,
      [id, JSON.stringify(a), a.issuedAt],
    );
  }
  assert.deepEqual(await migrate(db, 4), [4]);
  const ids = await db.query<{ execution_id: string }>(
    "select execution_id from consumed_executions order by 1",
  );
  assert.deepEqual(
    ids.map((r) => r.execution_id),
    ["a", "b", "c"],
  );
  // The authority holds for the ids it inherited, and for new ones (on the newest schema, which this code writes).
  await migrate(db);
  const log = new AuditStore(db).decisionLog;
  await assert.rejects(
    log.recordDecision({
      attestation: attestation("b"),
      signals: {},
      apiKeyId: null,
      requestId: null,
      clientIp: null,
    }),
    DuplicateExecutionIdError,
  );
  await log.recordDecision({
    attestation: attestation("d"),
    signals: {},
    apiKeyId: null,
    requestId: null,
    clientIp: null,
  });
  const [n] = await db.query<{ n: string }>("select count(*)::text as n from consumed_executions");
  assert.equal(n?.n, "4");
});

test("consumed-ids: an id consumed without its decision row (the row retired) is still refused", async (t) => {
  const db = await openPglite();
  t.after(() => db.close());
  await migrate(db);
  await db.query("insert into consumed_executions (execution_id, consumed_at) values ('retired', now())");
  await assert.rejects(
    new AuditStore(db).decisionLog.recordDecision({
      attestation: attestation("retired"),
      signals: {},
      apiKeyId: null,
      requestId: null,
      clientIp: null,
    }),
    DuplicateExecutionIdError,
  );
  const [rows] = await db.query<{ n: string }>("select count(*)::text as n from audit_decisions");
  assert.equal(rows?.n, "0", "the refused decision left no row");
});
