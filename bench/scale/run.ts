// bench/scale: does a decision cost the same at 20 million decisions as at none? Two production servers side by
// side, one on an empty audit database and one on a database filled to BENCH_ROWS decision rows (a fast
// synthetic fill into the monthly partitions and consumed_executions, then real traffic on top), loaded in
// alternating rounds; prints the fill time, the disk used and both servers' /execute throughput and p99.
// Run: npm run bench:scale   (BENCH_ROWS=20000000 by default; BENCH_DURATION seconds per round)
import { randomBytes } from "node:crypto";
import { cpus } from "node:os";
import autocannon from "autocannon";
import pg from "pg";
import { connectPostgres, migrate } from "../../src/audit/index.ts";
import { redisService } from "../../test/support/services.ts";
import { serverEnv, writeServerFiles, type TestServerFiles } from "../../test/support/server.ts";
import { createHarness, serverListening } from "../support/harness.ts";
import { resetStatements, statementTimes } from "./statements.ts";

const ROWS = Number(process.env["BENCH_ROWS"] ?? 20_000_000);
const CHUNK = 1_000_000;
const CONNECTIONS = Number(process.env["BENCH_CONNECTIONS"] ?? 32);
const DURATION_S = Number(process.env["BENCH_DURATION"] ?? 15);
const ROUNDS = 3;
const harness = createHarness();

interface Result {
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly errors: number;
  readonly non2xx: number;
}

async function load(url: string, key: string): Promise<Result> {
  let n = 0;
  const prefix = randomBytes(4).toString("hex");
  const run = (duration: number): Promise<autocannon.Result> =>
    autocannon({
      url,
      connections: CONNECTIONS,
      duration,
      requests: [
        {
          method: "POST",
          path: "/execute",
          headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
          setupRequest: (request) => ({
            ...request,
            body: JSON.stringify({
              executionId: `scale-${prefix}-${String(n++)}`,
              policyId: "loan-approval",
              policyVersion: "1.2.0",
              signals: { credit_score: 720, country: "US", flagged: false, amount: 1000 + (n % 90_000) },
            }),
          }),
        },
      ],
    });
  await run(2);
  const r = await run(DURATION_S);
  return {
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    errors: r.errors + r.timeouts,
    non2xx: r.non2xx,
  };
}

/** A real attestation's shape and size, repeated with each row's own id and time. */
const SAMPLE = JSON.stringify({
  executionId: "x",
  execution_fingerprint: "f".repeat(64),
  policyId: "loan-approval",
  policyVersion: "1.2.0",
  schemaVersion: "1.0",
  runtimeVersion: "0.1.0",
  runtimeHash: `sha256:${"a".repeat(64)}`,
  signalsHash: `sha256:${"b".repeat(64)}`,
  decision: { action: "approve", requires_override: false, reason: "good credit", ruleId: "good" },
  execution_state: "completed",
  bundleHash: `sha256:${"c".repeat(64)}`,
  manifestHash: `sha256:${"d".repeat(64)}`,
  bundleRevision: 1,
  signerKeyId: "ed25519:0123456789abcdef",
  issuedAt: "2026-01-01T00:00:00.000Z",
  signature: "s".repeat(88),
});

/** Fills `url`'s audit tables with `rows` decisions spread over the past year, a million per statement pair. */
async function fill(
  url: string,
  rows: number,
): Promise<{ seconds: number; vacuumSeconds: number; bytes: number }> {
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  const started = performance.now();
  await db.query(
    `select parmana_make_partition('audit_decisions', 'month', t)
     from generate_series(now() - interval '12 months', now(), interval '1 month') as t`,
  );
  for (let from = 1; from <= rows; from += CHUNK) {
    const to = Math.min(rows, from + CHUNK - 1);
    await db.query("begin");
    await db.query(
      `insert into consumed_executions (execution_id, consumed_at)
       select 'fill-' || g, now() - (g % 31536000) * interval '1 second' from generate_series($1::bigint, $2::bigint) g`,
      [from, to],
    );
    await db.query(
      `insert into audit_decisions (execution_id, policy_id, policy_version, bundle_hash, bundle_revision, action, rule_id,
         requires_override, reason, execution_state, execution_fingerprint, signals_hash, signer_key_id, api_key_id,
         request_id, attestation, issued_at)
       select 'fill-' || g, 'loan-approval', '1.2.0', 'sha256:c', 1, 'approve', 'good', false, 'good credit', 'completed',
              md5(g::text), 'sha256:b', 'ed25519:0123456789abcdef', 'bench', md5((g + 1)::text),
              jsonb_set($3::jsonb, '{executionId}', to_jsonb('fill-' || g)),
              now() - (g % 31536000) * interval '1 second'
       from generate_series($1::bigint, $2::bigint) g`,
      [from, to, SAMPLE],
    );
    await db.query("commit");
    process.stderr.write(
      `filled ${to.toLocaleString("en-US")} of ${rows.toLocaleString("en-US")} decisions (${((performance.now() - started) / 1000).toFixed(0)} s)\n`,
    );
  }
  // What autovacuum would do over the next hour (visibility map, hint bits, statistics), done now, so the rounds
  // measure a database at rest at 20 M rows rather than one being vacuumed under the load.
  const filledAt = performance.now();
  process.stderr.write("vacuum (analyze) of the filled tables…\n");
  await db.query("vacuum (analyze) audit_decisions, consumed_executions");
  const vacuumSeconds = (performance.now() - filledAt) / 1000;
  const [size] = (
    await db.query<{ bytes: string }>(
      `select (pg_total_relation_size('consumed_executions') + coalesce((select sum(pg_total_relation_size(inhrelid))
         from pg_inherits where inhparent = 'audit_decisions'::regclass), 0))::text as bytes`,
    )
  ).rows;
  await db.end();
  return { seconds: (filledAt - started) / 1000, vacuumSeconds, bytes: Number(size?.bytes ?? 0) };
}

async function server(files: TestServerFiles, database: string): Promise<string> {
  const env = serverEnv(files, database, redisService().url, {
    PARMANA_RATE_LIMIT_EXECUTE: "1000000",
    METRICS_PORT: "0",
    DASHBOARD_ENABLED: "false",
    NODE_ENV: "production",
  });
  return (
    await harness.startChild(["bin/parmana.js", "server"], { ...env, LOG_LEVEL: "info" }, serverListening)
  ).found.url;
}

try {
  const files = await writeServerFiles(harness.context);
  const empty = await harness.database("parmana_scale_empty");
  const full = await harness.database("parmana_scale_full");
  for (const url of [empty, full]) {
    const db = connectPostgres({ connectionString: url });
    await migrate(db);
    await db.close();
  }
  const filled = await fill(full, ROWS);
  const servers = { empty: await server(files, empty), full: await server(files, full) };
  const statements = await resetStatements(full);
  const results: Record<"empty" | "full", Result[]> = { empty: [], full: [] };
  for (let round = 0; round < ROUNDS; round++)
    for (const which of ["empty", "full"] as const) {
      const r = await load(servers[which], files.keys.executor);
      results[which].push(r);
      process.stderr.write(
        `round ${String(round + 1)} ${which}: ${Math.round(r.rps)} req/s, p99 ${String(r.p99)} ms\n`,
      );
    }
  const median = (rs: readonly Result[], pick: (r: Result) => number): number => {
    const sorted = rs.map(pick).sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)] ?? 0;
  };
  console.log(
    `Machine: ${String(cpus().length)} × ${cpus()[0]?.model ?? "?"}, Node ${process.version}; ${ROWS.toLocaleString("en-US")} decisions filled in ${filled.seconds.toFixed(0)} s and vacuumed in ${filled.vacuumSeconds.toFixed(0)} s (${(filled.bytes / 2 ** 30).toFixed(1)} GiB: audit_decisions partitions + consumed_executions); autocannon ${String(CONNECTIONS)} connections, ${String(DURATION_S)} s per round after 2 s of warm-up, ${String(ROUNDS)} alternating rounds (median shown). Both servers, Redis, Postgres and the load generator share the machine.\n`,
  );
  console.log("| audit database | req/s | p50 ms | p99 ms | errors | non-2xx |");
  console.log("|---|---:|---:|---:|---:|---:|");
  for (const which of ["empty", "full"] as const) {
    const rs = results[which];
    console.log(
      `| ${which === "empty" ? "empty" : `${ROWS.toLocaleString("en-US")} decisions`} | ${Math.round(median(rs, (r) => r.rps)).toLocaleString("en-US")} | ${String(median(rs, (r) => r.p50))} | ${String(median(rs, (r) => r.p99))} | ${String(rs.reduce((n, r) => n + r.errors, 0))} | ${String(rs.reduce((n, r) => n + r.non2xx, 0))} |`,
    );
  }
  const rpsRatio = median(results.full, (r) => r.rps) / median(results.empty, (r) => r.rps);
  const p99Ratio = median(results.full, (r) => r.p99) / median(results.empty, (r) => r.p99);
  console.log(
    `\nAt ${ROWS.toLocaleString("en-US")} rows: throughput ${(rpsRatio * 100).toFixed(1)}% of the empty database's, p99 ${(p99Ratio * 100).toFixed(1)}% (goal: within 10%).`,
  );
  if (statements) {
    const names = { empty: new URL(empty).pathname.slice(1), full: new URL(full).pathname.slice(1) };
    console.log("\nPostgres's time per statement over the rounds (pg_stat_statements), mean µs per call:\n");
    console.log("| statement | empty | full | calls (empty / full) |");
    console.log("|---|---:|---:|---:|");
    for (const s of await statementTimes(full, [names.empty, names.full])) {
      const [e, f] = [s.byDatabase[names.empty], s.byDatabase[names.full]];
      console.log(
        `| \`${s.query.replaceAll("|", "\\|")}…\` | ${e ? e.meanUs.toFixed(0) : "—"} | ${f ? f.meanUs.toFixed(0) : "—"} | ${String(e?.calls ?? 0)} / ${String(f?.calls ?? 0)} |`,
      );
    }
  }
} finally {
  await harness.close();
}
