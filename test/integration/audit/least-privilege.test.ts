// The server under a least-privilege database role, against a real Postgres: the owner applies the migrations and
// grants a role the server's privileges (`parmana audit migrate --grant`); a real server on that role decides,
// refuses a replay, records an override, makes partitions and applies retention within the owner's floor; the role
// itself cannot delete, update, truncate or drop anything of the audit trail, nor archive it.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { connectPostgres, maintainPartitions, partitionsOf } from "../../../src/audit/index.ts";
import {
  executeBody,
  freshDatabase,
  overrideBody,
  post,
  REVIEW_SIGNALS,
  startTestServer,
  uniqueId,
  REPLAY_SIGNALS,
} from "../../support/server.ts";
import { postgresService } from "../../support/services.ts";

const bin = fileURLToPath(new URL("../../../bin/parmana.js", import.meta.url));
const parmana = (args: string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
  new Promise((resolve) => {
    execFile(process.execPath, [bin, "audit", ...args], (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
    });
  });

/** A login role with no privileges of its own, dropped after the test; returns its URL for `databaseUrl`. */
async function serverRole(t: TestContext, databaseUrl: string): Promise<{ name: string; url: string }> {
  const name = `parmana_srv_${randomBytes(4).toString("hex")}`;
  const password = randomBytes(12).toString("hex");
  const admin = new pg.Client({ connectionString: postgresService().url });
  await admin.connect();
  await admin.query(`create role ${name} login password '${password}'`);
  t.after(async () => {
    // The database holds the role's privileges: it goes first (whatever order the hooks run in).
    await admin.query(`drop database if exists ${new URL(databaseUrl).pathname.slice(1)} with (force)`);
    await admin.query(`drop role if exists ${name}`);
    await admin.end();
  });
  const url = new URL(databaseUrl);
  url.username = name;
  url.password = password;
  return { name, url: url.toString() };
}

async function refusal(db: pg.Client, sql: string, params: unknown[] = []): Promise<string> {
  try {
    await db.query(sql, params);
  } catch (error) {
    return String((error as { code?: string }).code);
  }
  return "allowed";
}

test("least privilege: a server on a role granted by `parmana audit migrate --grant` decides and keeps its audit trail, and the role cannot delete it", async (t) => {
  const ownerUrl = await freshDatabase(t);
  const role = await serverRole(t, ownerUrl);
  const migrated = await parmana(["migrate", "--database-url", ownerUrl, "--grant", role.name]);
  assert.equal(migrated.code, 0, migrated.stderr);
  assert.match(
    migrated.stdout,
    /applied migration 1, 2, 3, 4, 5, 6, 7, 8, 9 .*granted the server's privileges/,
  );
  const again = await parmana(["migrate", "--database-url", ownerUrl, "--grant", role.name, "--json"]);
  assert.deepEqual(JSON.parse(again.stdout), { applied: [], latest: 9, granted: [role.name] }, "idempotent");

  // A real server on the role: a decision, a refused replay (a security event), an override (one column).
  const s = await startTestServer(t, { databaseUrl: role.url });
  const id = uniqueId("lp");
  assert.equal((await post(`${s.url}/execute`, s.files.keys.executor, executeBody(id))).status, 200);
  const replay = await post(`${s.url}/execute`, s.files.keys.executor, executeBody(id, REPLAY_SIGNALS));
  assert.equal(replay.status, 422);
  const review = uniqueId("lp-review");
  const pending = await post(`${s.url}/execute`, s.files.keys.executor, executeBody(review, REVIEW_SIGNALS));
  assert.equal(pending.body["status"], "pending_override");
  const override = await post(`${s.url}/override`, s.files.keys.approver, overrideBody(review));
  assert.equal(override.status, 200, JSON.stringify(override.body));
  const events = await fetch(`${s.url}/audit/security`, {
    headers: { authorization: `Bearer ${s.files.keys.auditor}` },
  });
  assert.equal(events.status, 200);

  const asRole = new pg.Client({ connectionString: role.url });
  asRole.on("error", () => undefined); // the database is dropped (with force) when the test ends
  await asRole.connect();
  t.after(() => asRole.end());
  const roleSql = connectPostgres({ connectionString: role.url, maxConnections: 1 });
  t.after(() => roleSql.close());
  const [{ decisions } = { decisions: "0" }] = (
    await asRole.query<{ decisions: string }>("select count(*)::text as decisions from audit_decisions")
  ).rows;
  assert.equal(decisions, "2", "the role reads what it wrote");
  const today = (await partitionsOf(roleSql, "audit_api_access")).find(
    (p) => p.from.getTime() <= Date.now() && p.to.getTime() > Date.now(),
  );
  assert.ok(today, "today's access-log partition exists");
  const [month] = (
    await asRole.query<{ name: string }>(
      "select parmana_make_partition('audit_decisions', 'month', now()) as name",
    )
  ).rows;
  const denied = {
    "delete a decision": await refusal(asRole, "delete from audit_decisions"),
    "edit a decision": await refusal(asRole, "update audit_decisions set action = 'approve'"),
    "delete a consumed id": await refusal(asRole, "delete from consumed_executions"),
    "truncate the access log": await refusal(asRole, "truncate audit_api_access"),
    "delete a security event": await refusal(asRole, "delete from audit_security_events"),
    "drop a partition": await refusal(asRole, `drop table ${today.name}`),
    "detach a partition": await refusal(
      asRole,
      `alter table audit_api_access detach partition ${today.name}`,
    ),
    "drop security events by the function": await refusal(
      asRole,
      "select parmana_drop_partition('audit_security_events', 'audit_security_events_default')",
    ),
    "drop this month's decisions by the function": await refusal(
      asRole,
      "select parmana_drop_partition('audit_decisions', $1)",
      [month?.name],
    ),
    "make a partition of another table": await refusal(
      asRole,
      "select parmana_make_partition('security_event_outbox', 'day', now())",
    ),
  };
  assert.deepEqual(denied, {
    "delete a decision": "42501",
    "edit a decision": "42501",
    "delete a consumed id": "42501",
    "truncate the access log": "42501",
    "delete a security event": "42501",
    "drop a partition": "42501",
    "detach a partition": "42501",
    "drop security events by the function": "42501",
    "drop this month's decisions by the function": "42501",
    "make a partition of another table": "22023",
  });

  // Retention through the owner's function: an access-log day 40 days old goes (floor 7), decisions stay
  // (asked for 7 days, below the floor of 90: reported, nothing dropped).
  const owner = connectPostgres({ connectionString: ownerUrl, maxConnections: 1 });
  t.after(() => owner.close());
  const old = new Date(Date.now() - 40 * 86_400_000);
  await owner.query("select parmana_make_partition('audit_api_access', 'day', $1)", [old]);
  await owner.query(
    "insert into audit_api_access (request_id, method, path, status, duration_ms, at) values ('old', 'GET', '/x', 200, 1, $1)",
    [old],
  );
  const report = await maintainPartitions(roleSql, new Date(), { audit_api_access: 30, audit_decisions: 7 });
  assert.ok(report.dropped.length >= 1 && report.dropped.every((n) => n.startsWith("audit_api_access_p")));
  assert.deepEqual(report.belowFloor, [{ table: "audit_decisions", days: 7, floorDays: 90 }]);
  const [{ old: left } = { old: "?" }] = await owner.query<{ old: string }>(
    "select count(*)::text as old from audit_api_access where request_id = 'old'",
  );
  assert.equal(left, "0", "the old day left as a whole partition");

  // Archiving (detach and drop) is the owner's: the role is refused and told so.
  await owner.query("select parmana_make_partition('audit_decisions', 'month', now() - interval '100 days')");
  const out = await mkdtemp(join(tmpdir(), "parmana-lp-archive-"));
  t.after(() => rm(out, { recursive: true, force: true }));
  const archive = await parmana([
    "archive",
    "--before",
    new Date(Date.now() - 60 * 86_400_000).toISOString(),
    "--out",
    join(out, "archive"),
    "--key",
    s.files.signingKeyPath,
    "--database-url",
    role.url,
  ]);
  assert.notEqual(archive.code, 0);
  assert.match(archive.stderr, /permission denied|must be owner/);
});

test("least privilege: a server whose role may not migrate a database that lacks migrations refuses to start, naming the command", async (t) => {
  const ownerUrl = await freshDatabase(t);
  const role = await serverRole(t, ownerUrl);
  await assert.rejects(startTestServer(t, { databaseUrl: role.url }), (error: Error) => {
    assert.match(error.message, /parmana audit migrate --database-url <owner's URL> --grant <this role>/);
    return true;
  });
});
