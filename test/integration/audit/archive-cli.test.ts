// `parmana audit archive`, `verify-archive` and `verify-chain --from-seal` against a real Postgres: old
// partitions leave the database for a sealed archive, which verifies offline, and the live chain verifies from
// the seal; a tampered archive fails naming the row.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync, gzipSync } from "node:zlib";
import { AuditStore, connectPostgres, maintainPartitions, migrate } from "../../../src/audit/index.ts";
import { generateSigningKeyPair } from "../../../src/crypto/index.ts";
import { buildSecurityEvent } from "../../../src/events/index.ts";
import { freshDatabase } from "../../support/server.ts";

const bin = fileURLToPath(new URL("../../../bin/parmana.js", import.meta.url));
const parmana = (args: string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
  new Promise((resolve) => {
    execFile(process.execPath, [bin, "audit", ...args], (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
    });
  });

test("audit archive: partitions before a date go to a sealed archive; it verifies offline and the chain continues from the seal", async (t) => {
  const url = await freshDatabase(t);
  const db = connectPostgres({ connectionString: url });
  t.after(() => db.close());
  await migrate(db);
  const old = new Date(Date.now() - 100 * 86_400_000);
  await maintainPartitions(db, old);
  const store = new AuditStore(db);
  const source = { component: "server" as const, instance: "t" };
  await store.appendSecurityEvents(
    Array.from({ length: 8 }, (_, i) =>
      buildSecurityEvent({ type: "invalid_policy", message: `old ${String(i)}`, occurredAt: old }, source),
    ),
  );
  await store.appendSecurityEvents([
    buildSecurityEvent({ type: "replay_attempt", message: "today" }, source),
  ]);

  const dir = await mkdtemp(join(tmpdir(), "parmana-archive-cli-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const pair = generateSigningKeyPair();
  await writeFile(join(dir, "seal.key"), pair.privateKeyPem, { mode: 0o600 });
  await mkdir(join(dir, "trusted"));
  await writeFile(join(dir, "trusted", "archiver.pub"), pair.publicKeyPem);
  const out = join(dir, "archive");

  // What ended 60 days ago, as a CronJob gives the security events' retention.
  const archive = (...where: string[]): ReturnType<typeof parmana> =>
    parmana([
      "archive",
      "--older-than",
      "60",
      ...where,
      "--key",
      join(dir, "seal.key"),
      "--database-url",
      url,
    ]);
  const archived = await archive("--out", out);
  assert.equal(archived.code, 0, archived.stderr);
  assert.match(archived.stdout, /^archived \d+ partitions \(\d+ rows\) before /);
  const [left] = await db.query<{ n: string }>("select count(*)::text as n from audit_security_events");
  assert.equal(left?.n, "1", "only today's event is left in the database");

  const verified = await parmana(["verify-archive", out, "--trusted-keys", join(dir, "trusted")]);
  assert.equal(verified.code, 0, verified.stderr);
  const seal = join(out, "seal.json");
  assert.equal((await parmana(["verify-chain", "--database-url", url, "--from-seal", seal])).code, 0);
  const sealText = await readFile(seal, "utf8");
  const again = await archive("--out", out);
  assert.equal(again.code, 1, "a second archive into the same directory is refused");
  assert.match(again.stderr, /already holds an archive/);
  assert.equal(await readFile(seal, "utf8"), sealText, "the first archive's seal is untouched");
  const rooted = await archive("--out-root", join(dir, "monthly"));
  assert.equal(rooted.code, 0, rooted.stderr);
  assert.match(rooted.stdout, /archived 0 partitions \(0 rows\) .* to .*monthly\/before-\d{8}T\d{6}Z;/);
  const fromGenesis = await parmana(["verify-chain", "--database-url", url]);
  assert.equal(
    fromGenesis.code,
    1,
    "from the first row the live chain is not whole: it continues the archive",
  );

  const sealed = JSON.parse(await readFile(seal, "utf8")) as {
    partitions: { table: string; rows: number; file: string }[];
  };
  const file = join(
    out,
    sealed.partitions.find((p) => p.table === "audit_security_events" && p.rows > 0)?.file ?? "",
  );
  const lines = gunzipSync(await readFile(file))
    .toString("utf8")
    .trimEnd()
    .split("\n");
  await writeFile(
    file,
    gzipSync(
      `${lines.map((l, i) => (i === 2 ? l.replace(`"occurrences":1`, `"occurrences":2`) : l)).join("\n")}\n`,
    ),
  );
  const tampered = await parmana(["verify-archive", out, "--trusted-keys", join(dir, "trusted"), "--json"]);
  assert.equal(tampered.code, 1);
  const report = JSON.parse(tampered.stdout) as { valid: boolean; problems: string[] };
  assert.equal(report.valid, false);
  assert.ok(
    report.problems.some((p) => /chain breaks at row id 3 .*content was changed/.test(p)),
    report.problems.join("; "),
  );
});
