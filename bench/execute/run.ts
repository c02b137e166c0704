// bench/execute: end-to-end POST /execute (replay reservation in Redis, evaluation, Ed25519 attestation,
// durable Postgres audit row) under autocannon, beside a bare fastify route in the same run.
// Run: npm run bench:execute   (starts Postgres and Redis through test/infra first)
import { randomBytes } from "node:crypto";
import { cpus } from "node:os";
import autocannon from "autocannon";
import { redisService } from "../../test/support/services.ts";
import { serverEnv, writeServerFiles } from "../../test/support/server.ts";
import { createHarness, serverListening } from "../support/harness.ts";

const CONNECTIONS = Number(process.env["BENCH_CONNECTIONS"] ?? 64);
const DURATION_S = Number(process.env["BENCH_DURATION"] ?? 15);
const harness = createHarness();

interface Result {
  readonly name: string;
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly errors: number;
  readonly non2xx: number;
}

async function load(name: string, url: string, key: string | undefined): Promise<Result> {
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
          headers: { "content-type": "application/json", ...(key && { authorization: `Bearer ${key}` }) },
          setupRequest: (request) => ({
            ...request,
            body: JSON.stringify({
              executionId: `bench-${prefix}-${String(n++)}`,
              policyId: "loan-approval",
              policyVersion: "1.2.0",
              signals: { credit_score: 720, country: "US", flagged: false, amount: 1000 + (n % 90_000) },
            }),
          }),
        },
      ],
    });
  await run(3); // warm-up
  const r = await run(DURATION_S);
  return {
    name,
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    errors: r.errors + r.timeouts,
    non2xx: r.non2xx,
  };
}

try {
  const files = await writeServerFiles(harness.context);
  const env = serverEnv(files, await harness.database("parmana_bench"), redisService().url, {
    PARMANA_RATE_LIMIT_EXECUTE: "1000000",
    PORT: "0",
    METRICS_PORT: "0",
    NODE_ENV: "production",
  });
  const listening = await harness.startChild(
    ["bin/parmana.js", "server"],
    { ...env, LOG_LEVEL: "info" },
    serverListening,
  );
  const server = listening.found.url;
  const bare = (
    await harness.startChild(
      ["bench/execute/bare.ts"],
      {},
      (line) => (JSON.parse(line) as { url?: string }).url,
    )
  ).found;

  const results: Result[] = [];
  for (let round = 0; round < 2; round++) {
    results.push(await load("bare fastify POST route", bare, undefined));
    results.push(
      await load("parmana /execute (Redis + Ed25519 + Postgres audit)", server, files.keys.executor),
    );
  }
  const best = (name: string): Result =>
    results.filter((r) => r.name === name).sort((a, b) => b.rps - a.rps)[0] as Result;
  const b = best("bare fastify POST route");
  const p = best("parmana /execute (Redis + Ed25519 + Postgres audit)");
  console.log(
    `Machine: ${String(cpus().length)} × ${cpus()[0]?.model ?? "?"}, Node ${process.version}; autocannon, ${String(CONNECTIONS)} connections, ${String(DURATION_S)} s per run after a 3 s warm-up, 2 alternating rounds (best shown). Load generator, server and Redis/Postgres share the machine.\n`,
  );
  console.log("| target | req/s | p50 ms | p99 ms | errors | non-2xx |");
  console.log("|---|---:|---:|---:|---:|---:|");
  for (const r of [b, p])
    console.log(
      `| ${r.name} | ${Math.round(r.rps).toLocaleString("en-US")} | ${String(r.p50)} | ${String(r.p99)} | ${String(r.errors)} | ${String(r.non2xx)} |`,
    );
  console.log(
    `\nparmana /execute reaches ${((p.rps / b.rps) * 100).toFixed(1)}% of the bare route's throughput.`,
  );
} finally {
  await harness.close();
}
