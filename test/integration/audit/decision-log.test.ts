// The verifiable decision log on a real Postgres: decisions are integrated in order by one integrator at a time
// (two replicas racing never log a decision twice), each round signs a C2SP checkpoint that Go's sumdb/note
// opens, and the inclusion and consistency proofs served pass Go's sumdb/tlog. `parmana audit verify-log`
// finds the log intact, then names a decision deleted by the database owner, and one edited; decisions archived
// away verify from the archive (--archive), and one edited in the archive is named.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { gunzipSync, gzipSync } from "node:zlib";
import { signAttestation } from "../../../src/attest/index.ts";
import {
  AuditStore,
  connectPostgres,
  DecisionMerkleLog,
  maintainPartitions,
  migrate,
  ROUND_LOOKBACK_MS,
  SWEEP_LOOKBACK_MS,
} from "../../../src/audit/index.ts";
import { generateSigningKeyPair, noteVerifierKey, parseSigningKey } from "../../../src/crypto/index.ts";
import { sampleAttestationInput } from "../../support/attestations.ts";
import { goTool } from "../../support/go-tool.ts";
import { freshDatabase } from "../../support/server.ts";

const bin = fileURLToPath(new URL("../../../bin/parmana.js", import.meta.url));
const parmana = (args: string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
  new Promise((resolve) => {
    execFile(process.execPath, [bin, "audit", ...args], (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
    });
  });
const run = promisify(execFile);
const b64 = (b: Buffer): string => b.toString("base64");
const ORIGIN = "parmana.test/decisions";

/** A fresh, migrated database, a signing key for the checkpoints, the audit store and a way to record a decision. */
async function logDatabase(t: TestContext) {
  const url = await freshDatabase(t);
  const db = connectPostgres({ connectionString: url });
  t.after(() => db.close());
  await migrate(db);
  const signer = parseSigningKey(generateSigningKeyPair().privateKeyPem);
  const store = new AuditStore(db);
  /** Records the decision of `id`, issued at `issuedAt`. */
  const decide = (id: string, issuedAt: Date): Promise<void> =>
    store.decisionLog.recordDecision({
      attestation: signAttestation(sampleAttestationInput({ executionId: id, issuedAt }), signer),
      signals: {},
      apiKeyId: null,
      requestId: null,
      clientIp: null,
    });
  return { url, db, signer, store, decide };
}

test("decision log: integrated once across racing replicas, proofs pass Go's tlog, and verify-log names a deleted and an edited decision", async (t) => {
  const { url, db, signer, store } = await logDatabase(t);
  const record = async (from: number, to: number): Promise<void> => {
    await Promise.all(
      Array.from({ length: to - from }, (_, i) =>
        store.decisionLog.recordDecision({
          attestation: signAttestation(
            sampleAttestationInput({ executionId: `dec-${String(from + i)}` }),
            signer,
          ),
          signals: {},
          apiKeyId: null,
          requestId: null,
          clientIp: null,
        }),
      ),
    );
  };
  const replicas = [new DecisionMerkleLog(db, ORIGIN, signer), new DecisionMerkleLog(db, ORIGIN, signer)];

  await record(0, 120);
  const first = await Promise.all(replicas.map((r) => r.integrate(50)));
  assert.deepEqual(
    first.map((r) => r.added).sort((a, b) => a - b),
    [50, 50],
    "two replicas racing take turns (the advisory lock), each integrating what the other had not",
  );
  while ((await replicas[0]?.integrate())?.added !== 0);
  const old = await replicas[0]?.latestCheckpoint();
  assert.equal(old?.size, 120);
  await record(120, 257);
  assert.equal((await replicas[1]?.integrate())?.size, 257);
  const [counted] = await db.query<{ leaves: string; distinct: string }>(
    "select count(*)::text as leaves, count(distinct execution_id)::text as distinct from decision_log_leaves",
  );
  assert.deepEqual(counted, { leaves: "257", distinct: "257" }, "each decision logged once");

  // Go's sumdb/note and sumdb/tlog accept the checkpoint and the served proofs.
  const log = replicas[0] as DecisionMerkleLog;
  const proofs = await Promise.all(["dec-0", "dec-77", "dec-200", "dec-256"].map((id) => log.proof(id)));
  const latest = proofs[0]?.checkpoint;
  assert.ok(latest && old);
  const vkey = noteVerifierKey(ORIGIN, signer.publicKey.key);
  const child = run(await goTool("tlogcheck"), [], { timeout: 60_000 });
  child.child.stdin?.end(
    JSON.stringify({
      vkey,
      note: latest.note,
      inclusion: proofs.map((p) => ({
        index: p?.index,
        leafHash: b64(p?.leafHash ?? Buffer.alloc(0)),
        proof: (p?.proof ?? []).map(b64),
      })),
      consistency: [
        {
          oldSize: old.size,
          oldRoot: b64(old.root),
          proof: (await log.consistency(old.size, latest.size)).map(b64),
        },
      ],
    }),
  );
  const checked = JSON.parse((await child).stdout) as {
    note: string;
    size: number;
    inclusion: string[];
    consistency: string[];
  };
  assert.deepEqual(checked, {
    note: "ok",
    origin: ORIGIN,
    size: 257,
    inclusion: ["ok", "ok", "ok", "ok"],
    consistency: ["ok"],
  });

  // verify-log, from a plain shell, with the server's public key.
  const dir = await mkdtemp(join(tmpdir(), "parmana-verify-log-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const keyFile = join(dir, "signing.pub.pem");
  await writeFile(keyFile, signer.publicKey.pem);
  const args = ["verify-log", "--database-url", url, "--public-key", keyFile, "--origin", ORIGIN];
  const intact = await parmana(args);
  assert.equal(intact.code, 0, intact.stdout + intact.stderr);
  assert.match(intact.stdout, /intact: 257 logged decisions match the signed checkpoint of size 257/);

  // The database owner deletes one decision and edits another.
  await db.query("delete from audit_decisions where execution_id = 'dec-42'");
  await db.query(
    `update audit_decisions set attestation = jsonb_set(attestation, '{decision,action}', '"reject"') where execution_id = 'dec-100'`,
  );
  const broken = await parmana(args);
  assert.equal(broken.code, 1, broken.stdout + broken.stderr);
  assert.match(
    broken.stdout,
    /DELETED: decision dec-42 \(leaf \d+\) is logged but no longer in audit_decisions/,
  );
  assert.match(broken.stdout, /EDITED: decision dec-100 \(leaf \d+\) differs from what was logged/);
  assert.doesNotMatch(broken.stdout, /ROOT/, "the leaves themselves were not touched");

  const stranger = parseSigningKey(generateSigningKeyPair().privateKeyPem);
  const wrongKey = await parmana([
    "verify-log",
    "--database-url",
    url,
    "--verifier-key",
    noteVerifierKey(ORIGIN, stranger.publicKey.key),
  ]);
  assert.equal(wrongKey.code, 1);
  assert.match(wrongKey.stdout, /CHECKPOINT: the note carries no signature by/);
});

test("decision log: a decision whose transaction commits after later ones were logged is still logged", async (t) => {
  const { db, signer, decide } = await logDatabase(t);
  const log = new DecisionMerkleLog(db, ORIGIN, signer);
  await decide("early", new Date());
  assert.equal((await log.integrate()).size, 1);
  // A decision issued by a replica whose clock runs ten minutes behind, written by a transaction that began
  // 30 s before the last logged one was recorded (as a slow group commit beside a fast one).
  await decide("late", new Date(Date.now() - 600_000));
  await db.query(
    `update audit_decisions set created_at = (select max(recorded_at) from decision_log_leaves) - interval '30 seconds'
     where execution_id = 'late'`,
  );
  assert.deepEqual(
    await log.integrate(5_000, ROUND_LOOKBACK_MS),
    { added: 0, size: 1 },
    "an ordinary round looks back 5 s only",
  );
  assert.deepEqual(await log.integrate(5_000, SWEEP_LOOKBACK_MS), { added: 1, size: 2 }, "a sweep finds it");
  const logged = await db.query<{ execution_id: string }>(
    "select execution_id from decision_log_leaves order by idx",
  );
  assert.deepEqual(
    logged.map((r) => r.execution_id),
    ["early", "late"],
  );
});

test("decision log: decisions archived away with `parmana audit archive` verify from the archive; one edited there is named, one in neither place is deleted", async (t) => {
  const { url, db, signer, decide } = await logDatabase(t);
  const old = new Date(Date.now() - 100 * 86_400_000);
  await maintainPartitions(db, old);
  // Decisions are partitioned by when they were issued: the first 20 were decided 100 days ago, the rest today.
  for (let i = 0; i < 30; i++) await decide(`arc-${String(i)}`, i < 20 ? old : new Date());
  const log = new DecisionMerkleLog(db, ORIGIN, signer);
  assert.equal((await log.integrate()).size, 30);

  const dir = await mkdtemp(join(tmpdir(), "parmana-verify-log-archive-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, "seal.key"), generateSigningKeyPair().privateKeyPem, { mode: 0o600 });
  const keyFile = join(dir, "signing.pub.pem");
  await writeFile(keyFile, signer.publicKey.pem);
  const archive = join(dir, "archive");
  const archived = await parmana([
    "archive",
    "--older-than",
    "60",
    "--out",
    archive,
    "--key",
    join(dir, "seal.key"),
    "--database-url",
    url,
  ]);
  assert.equal(archived.code, 0, archived.stderr);
  const [left] = await db.query<{ n: string }>("select count(*)::text as n from audit_decisions");
  assert.equal(left?.n, "10", "the 20 old decisions left the database");

  const args = ["verify-log", "--database-url", url, "--public-key", keyFile, "--origin", ORIGIN];
  const without = await parmana(args);
  assert.equal(without.code, 1);
  assert.equal(without.stdout.match(/^DELETED: /gm)?.length, 20, "without the archive they are missing");
  const withArchive = await parmana([...args, "--archive", archive]);
  assert.equal(withArchive.code, 0, withArchive.stdout + withArchive.stderr);
  assert.match(withArchive.stdout, /intact: 30 logged decisions/);
  assert.match(withArchive.stderr, /read 20 archived decisions from 1 archive/);

  // Edit one archived decision in its file, and delete a live one.
  const seal = JSON.parse(await readFile(join(archive, "seal.json"), "utf8")) as {
    partitions: { table: string; rows: number; file: string }[];
  };
  const file = join(
    archive,
    seal.partitions.find((p) => p.table === "audit_decisions" && p.rows > 0)?.file ?? "",
  );
  const lines = gunzipSync(await readFile(file))
    .toString("utf8")
    .trimEnd()
    .split("\n");
  const edited = lines.map((line) => {
    const entry = JSON.parse(line) as {
      row: { execution_id: string; attestation: { decision: { action: string } } };
    };
    if (entry.row.execution_id !== "arc-7") return line;
    entry.row.attestation.decision.action = "reject";
    return JSON.stringify(entry);
  });
  await writeFile(file, gzipSync(`${edited.join("\n")}\n`));
  await db.query("delete from audit_decisions where execution_id = 'arc-25'");
  const broken = await parmana([...args, "--archive", archive]);
  assert.equal(broken.code, 1, broken.stdout + broken.stderr);
  assert.match(
    broken.stdout,
    /EDITED: decision arc-7 \(leaf \d+\) differs from what was logged \(in the archive\)/,
  );
  assert.match(broken.stdout, /DELETED: decision arc-25 /);
  assert.equal(broken.stdout.trim().split("\n").length, 2, broken.stdout);

  const notAnArchive = await parmana([...args, "--archive", dir]);
  assert.equal(notAnArchive.code, 2);
  assert.match(notAnArchive.stderr, /no readable seal\.json/);
});
