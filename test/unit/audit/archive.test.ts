// Archive → seal → verify on PGlite: whole partitions before a date are exported with a signed seal and
// removed; the archive verifies offline; the live chain verifies from the seal; an edited, removed or added
// row, or a forged seal, is named.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import {
  archivePartitions,
  AuditStore,
  maintainPartitions,
  migrate,
  openPglite,
  partitionsOf,
  verifyArchive,
  type SqlClient,
} from "../../../src/audit/index.ts";
import { generateSigningKeyPair, parseSigningKey } from "../../../src/crypto/index.ts";
import { buildSecurityEvent } from "../../../src/events/index.ts";

const DAY = 86_400_000;
const signer = parseSigningKey(generateSigningKeyPair().privateKeyPem);

async function populated(
  t: TestContext,
): Promise<{ db: SqlClient; store: AuditStore; dir: string; now: Date }> {
  const db = await openPglite();
  t.after(() => db.close());
  await migrate(db);
  const dir = await mkdtemp(join(tmpdir(), "parmana-archive-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const now = new Date();
  const old = new Date(now.getTime() - 100 * DAY);
  await maintainPartitions(db, old);
  const store = new AuditStore(db);
  const event = (i: number, at: Date) =>
    buildSecurityEvent(
      { type: "replay_attempt", message: `e${String(i)}`, occurredAt: at },
      { component: "server", instance: "t" },
    );
  // Old events first (so they are the chain's beginning), then today's.
  await store.appendSecurityEvents(Array.from({ length: 12 }, (_, i) => event(i, old)));
  await store.appendSecurityEvents(Array.from({ length: 5 }, (_, i) => event(100 + i, now)));
  await store.recordApiAccess(
    [old, now].map((at, i) => ({
      requestId: `r${String(i)}`,
      apiKeyId: null,
      method: "GET",
      path: "/",
      status: 200,
      durationMs: 1,
      at,
    })),
  );
  return { db, store, dir, now };
}

test("archive: old partitions are exported with a signed seal and removed; the archive and the live chain verify", async (t) => {
  const { db, store, dir, now } = await populated(t);
  const before = new Date(now.getTime() - 60 * DAY);
  const seal = await archivePartitions(db, { before, outDir: dir, signer });
  const events = seal.partitions.filter((p) => p.table === "audit_security_events");
  assert.equal(
    events.reduce((n, p) => n + p.rows, 0),
    12,
    "the twelve old events",
  );
  assert.equal(
    seal.partitions.filter((p) => p.table === "audit_api_access").reduce((n, p) => n + p.rows, 0),
    1,
  );
  for (const p of seal.partitions)
    assert.ok(
      !(await partitionsOf(db, p.table)).some((live) => live.name === p.partition),
      `${p.partition} removed`,
    );
  const [left] = await db.query<{ n: string }>("select count(*)::text as n from audit_security_events");
  assert.equal(left?.n, "5");

  const check = await verifyArchive(dir, [signer.publicKey]);
  assert.deepEqual(check.problems, []);
  assert.ok(check.ok);
  assert.ok(seal.chain.lastId !== null && seal.chain.lastRowHash !== null);
  assert.deepEqual(
    await store.verifyChain(undefined, { lastId: seal.chain.lastId, lastRowHash: seal.chain.lastRowHash }),
    {
      checked: 5,
    },
  );
  assert.ok(
    (await store.verifyChain()).broken,
    "from genesis the live chain no longer starts: it continues the seal",
  );
  assert.equal(await store.verifyRollup(), undefined, "the archived hours left the rollup with their events");
});

test("archive: an edited, removed or added row, a forged seal and a wrong key are each named", async (t) => {
  const { db, dir, now } = await populated(t);
  const seal = await archivePartitions(db, {
    before: new Date(now.getTime() - 60 * DAY),
    outDir: dir,
    signer,
  });
  const file = join(
    dir,
    seal.partitions.find((p) => p.table === "audit_security_events" && p.rows > 0)?.file ?? "",
  );
  const original = await readFile(file);
  const lines = gunzipSync(original).toString("utf8").trimEnd().split("\n");
  const rewrite = async (rows: string[]): Promise<string[]> => {
    await writeFile(file, gzipSync(`${rows.join("\n")}\n`));
    const check = await verifyArchive(dir, [signer.publicKey]);
    await writeFile(file, original);
    return [...check.problems];
  };
  const edited = lines.map((l, i) => (i === 4 ? l.replace(/"occurrences":1/, '"occurrences":2') : l));
  const problems = await rewrite(edited);
  assert.ok(
    problems.some((p) => /edited/.test(p)),
    problems.join("; "),
  );
  assert.ok(
    problems.some((p) =>
      new RegExp(`row id ${(JSON.parse(lines[4] ?? "{}") as { id: string }).id} .*content was changed`).test(
        p,
      ),
    ),
    problems.join("; "),
  );
  assert.ok(
    (await rewrite(lines.filter((_, i) => i !== 3))).some((p) => /11 rows where the seal says 12/.test(p)),
  );
  assert.ok(
    (await rewrite([...lines, lines[0] ?? ""])).some((p) => /13 rows where the seal says 12/.test(p)),
  );

  const sealPath = join(dir, "seal.json");
  const sealText = await readFile(sealPath, "utf8");
  await writeFile(sealPath, sealText.replace(`"rows": 12`, `"rows": 11`));
  assert.ok(
    (await verifyArchive(dir, [signer.publicKey])).problems.some((p) => /signature does not verify/.test(p)),
  );
  await writeFile(sealPath, sealText);
  const other = parseSigningKey(generateSigningKeyPair().privateKeyPem);
  assert.ok(!(await verifyArchive(dir, [other.publicKey])).ok, "only a trusted key's seal counts");
  assert.ok((await verifyArchive(dir, [signer.publicKey])).ok, "restored");
});
