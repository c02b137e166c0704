// Attestations verify offline against the public key, their audit rows match them, and the security-event
// hash chain verifies — until a row is edited in SQL, which `parmana audit verify-chain` then names.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { parsePublicKey } from "../../../src/crypto/index.ts";
import { verifyAttestation, type Attestation } from "../../../src/attest/index.ts";
import { eventually } from "../../support/kube.ts";
import { executeBody, post, startTestServer, uniqueId } from "../../support/server.ts";

const bin = fileURLToPath(new URL("../../../bin/parmana.js", import.meta.url));

function verifyChainCli(databaseUrl: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, "audit", "verify-chain", "--database-url", databaseUrl],
      (error, stdout, stderr) => {
        resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
      },
    );
  });
}

test("audit: every attestation verifies offline with the public key and its audit row matches it", async (t) => {
  const s = await startTestServer(t);
  const publicKey = parsePublicKey(s.files.signingPublicKeyPem);
  const signals = [{}, { flagged: true }, { credit_score: 500 }, { country: "IN", amount: 90_000 }];
  for (const extra of signals) {
    const id = uniqueId("offline");
    const r = await post(`${s.url}/execute`, s.files.keys.executor, executeBody(id, extra));
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const attestation = r.body["attestation"] as Attestation;
    assert.equal(verifyAttestation(attestation, [publicKey]).valid, true);
    assert.equal(r.body["requires_override"], attestation.decision.requires_override);
    const row = await s.client("auditor").audit.decision(id);
    assert.deepEqual(row.attestation, attestation, "the audit row holds exactly the attestation returned");
    assert.equal(row["decision"], attestation.decision.action);
  }
  const pending = await s.client("auditor").audit.decisions({ decision: "manual_review" });
  assert.equal(pending.decisions.length, 1);
});

test("audit: the hash chain verifies, and editing a row in SQL makes verify-chain fail naming the row", async (t) => {
  const s = await startTestServer(t);
  for (let i = 0; i < 3; i++) await post(`${s.url}/execute`, undefined, executeBody(uniqueId()));
  const id = uniqueId();
  await post(`${s.url}/execute`, s.files.keys.executor, executeBody(id));
  await post(`${s.url}/execute`, s.files.keys.executor, executeBody(id));
  await eventually("the events to be stored", async () => {
    const stats = await s.client("auditor").audit.stats();
    return (stats["securityEvents"] ?? 0) >= 5 ? true : undefined;
  });
  const intact = await verifyChainCli(s.databaseUrl);
  assert.equal(intact.code, 0, intact.stderr);
  assert.match(intact.stdout, /^intact: \d+ rows verify/);

  const db = new pg.Client({ connectionString: s.databaseUrl });
  db.on("error", () => undefined); // the database is dropped when the test ends
  await db.connect();
  t.after(() => db.end().catch(() => undefined));
  // The server's role cannot edit the table at all: the append-only trigger refuses.
  await assert.rejects(db.query("update audit_security_events set occurrences = 1"), /append-only/);
  // An attacker with superuser rights can; the chain still tells.
  const { rows } = await db.query<{ id: string }>(
    "select id::text as id from audit_security_events order by id limit 1 offset 1",
  );
  const victim = rows[0]?.id ?? "";
  await db.query("alter table audit_security_events disable trigger audit_security_events_append_only");
  await db.query("update audit_security_events set occurrences = occurrences + 1 where id = $1", [victim]);
  await db.query("alter table audit_security_events enable trigger audit_security_events_append_only");
  const broken = await verifyChainCli(s.databaseUrl);
  assert.equal(broken.code, 1);
  assert.match(
    broken.stderr,
    new RegExp(`BROKEN at row id ${victim} \\(event [0-9a-f-]{36}\\): its content was changed`),
  );
});
