// bench/execute: end-to-end POST /execute (replay reservation in Redis, evaluation, Ed25519 attestation,
// durable Postgres audit row) under autocannon, beside a bare fastify route in the same run.
// Run: npm run bench:execute   (starts Postgres, Redis, Sentinel, Cluster and the OTel Collector through test/infra first)
// BENCH_TARGETS=shadow,"one Redis" runs only the targets whose names contain one of those words (the bare
// route always runs: it is the yardstick).
import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { buildBundleDirectory } from "../../src/bundle/index.ts";
import { parseSigningKey } from "../../src/crypto/index.ts";
import { cpus } from "node:os";
import autocannon from "autocannon";
import {
  otelCollectorService,
  redisClusterService,
  redisSentinelService,
  redisService,
} from "../../test/support/services.ts";
import { serverEnv, writeServerFiles, type TestServerFiles } from "../../test/support/server.ts";
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

/** A production `parmana server` on its own database, with Redis at `redisUrl` and `extra` settings. */
async function server(
  files: TestServerFiles,
  name: string,
  redisUrl: string,
  extra: Record<string, string> = {},
): Promise<string> {
  const env = serverEnv(files, await harness.database(name), redisUrl, {
    PARMANA_RATE_LIMIT_EXECUTE: "1000000",
    PORT: "0",
    METRICS_PORT: "0",
    NODE_ENV: "production",
    ...extra,
  });
  return (
    await harness.startChild(["bin/parmana.js", "server"], { ...env, LOG_LEVEL: "info" }, serverListening)
  ).found.url;
}

/** loan-approval 1.3.0 beside 1.2.0: large loans in India from 40,000 instead of 50,000. */
async function addShadowBundle(files: TestServerFiles): Promise<void> {
  const source = join(files.policiesRoot, "loan-approval", "1.2.0", "policy.json");
  const policy = JSON.parse(await readFile(source, "utf8")) as {
    policyVersion: string;
    rules: { id: string; condition: { all?: unknown[] } }[];
  };
  policy.policyVersion = "1.3.0";
  const large = policy.rules.find((r) => r.id === "large");
  if (large?.condition.all) large.condition.all[0] = { signal: "amount", greater_than: 40_000 };
  const dir = join(files.policiesRoot, "loan-approval", "1.3.0");
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, "policy.json"), JSON.stringify(policy));
  await buildBundleDirectory(dir, parseSigningKey(files.bundleSigningKeyPem));
}

try {
  const files = await writeServerFiles(harness.context);
  const bare = (
    await harness.startChild(
      ["bench/execute/bare.ts"],
      {},
      (line) => (JSON.parse(line) as { url?: string }).url,
    )
  ).found;
  // The cost of durability across failover: one Redis, a Sentinel-managed primary without and with WAIT for
  // one replica, and a Cluster with WAIT (test/infra's topologies, on the same machine).
  await addShadowBundle(files);
  const wanted = (process.env["BENCH_TARGETS"] ?? "")
    .split(",")
    .map((w) => w.trim())
    .filter((w) => w !== "");
  const chosen = (name: string): boolean => wanted.length === 0 || wanted.some((w) => name.includes(w));
  const candidates: { name: string; start: () => Promise<string>; key?: string }[] = [
    {
      name: "parmana /execute, one Redis",
      start: () => server(files, "parmana_bench", redisService().url),
      key: files.keys.executor,
    },
    {
      name: "parmana /execute, one Redis, with 1.3.0 in shadow of 1.2.0 (PARMANA_SHADOW_BUNDLES)",
      start: () =>
        server(files, "parmana_bench_shadow", redisService().url, {
          PARMANA_SHADOW_BUNDLES: "loan-approval/1.3.0=1.2.0",
        }),
      key: files.keys.executor,
    },
    {
      name: "parmana /execute, one Redis, traced: every request sampled (OTEL_TRACES_EXPORTER=otlp to the Collector)",
      start: () =>
        server(files, "parmana_bench_traced", redisService().url, {
          OTEL_TRACES_EXPORTER: "otlp",
          OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: otelCollectorService().tracesUrl,
        }),
      key: files.keys.executor,
    },
    {
      name: "parmana /execute, one Redis, traced: 10% sampled (OTEL_TRACES_SAMPLER=traceidratio 0.1)",
      start: () =>
        server(files, "parmana_bench_traced10", redisService().url, {
          OTEL_TRACES_EXPORTER: "otlp",
          OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: otelCollectorService().tracesUrl,
          OTEL_TRACES_SAMPLER: "parentbased_traceidratio",
          OTEL_TRACES_SAMPLER_ARG: "0.1",
        }),
      key: files.keys.executor,
    },
    {
      name: "parmana /execute, Sentinel, no WAIT (PARMANA_REPLAY_MIN_REPLICAS=0)",
      start: () =>
        server(files, "parmana_bench_s0", redisSentinelService().url, {
          PARMANA_REPLAY_MIN_REPLICAS: "0",
        }),
      key: files.keys.executor,
    },
    {
      name: "parmana /execute, Sentinel + WAIT for 1 replica (the default)",
      start: () => server(files, "parmana_bench_s1", redisSentinelService().url),
      key: files.keys.executor,
    },
    {
      name: "parmana /execute, Cluster + WAIT for 1 replica (the default)",
      start: () => server(files, "parmana_bench_c1", redisClusterService().url),
      key: files.keys.executor,
    },
  ];
  const targets: { name: string; url: string; key?: string }[] = [
    { name: "bare fastify POST route", url: bare },
  ];
  for (const c of candidates.filter((x) => chosen(x.name)))
    targets.push({ name: c.name, url: await c.start(), ...(c.key !== undefined && { key: c.key }) });
  const results: Result[] = [];
  for (let round = 0; round < 2; round++)
    for (const target of targets) {
      const r = await load(target.name, target.url, target.key);
      results.push(r);
      process.stderr.write(
        `round ${String(round + 1)} ${target.name}: ${Math.round(r.rps)} req/s, p99 ${String(r.p99)} ms\n`,
      );
    }
  const best = (name: string): Result =>
    results.filter((r) => r.name === name).sort((a, b) => b.rps - a.rps)[0] as Result;
  console.log(
    `Machine: ${String(cpus().length)} × ${cpus()[0]?.model ?? "?"}, Node ${process.version}; autocannon, ${String(CONNECTIONS)} connections, ${String(DURATION_S)} s per run after a 3 s warm-up, 2 alternating rounds (best shown). Load generator, servers, Redis (one, Sentinel's three and the Cluster's six) and Postgres share the machine.\n`,
  );
  console.log("| target | req/s | p50 ms | p99 ms | errors | non-2xx |");
  console.log("|---|---:|---:|---:|---:|---:|");
  for (const { name } of targets) {
    const r = best(name);
    console.log(
      `| ${r.name} | ${Math.round(r.rps).toLocaleString("en-US")} | ${String(r.p50)} | ${String(r.p99)} | ${String(r.errors)} | ${String(r.non2xx)} |`,
    );
  }
  const bareBest = best(targets[0]?.name ?? "");
  const byName = (part: string): Result | undefined => {
    const t = targets.find((x) => x.name.includes(part));
    return t ? best(t.name) : undefined;
  };
  const single = byName("one Redis");
  const shadowed = byName("in shadow");
  if (single)
    console.log(
      `\nparmana /execute (one Redis) reaches ${((single.rps / bareBest.rps) * 100).toFixed(1)}% of the bare route's throughput.`,
    );
  for (const [label, part] of [
    ["Tracing every request", "every request sampled"],
    ["Tracing 10% of requests", "10% sampled"],
  ] as const) {
    const traced = byName(part);
    if (single && traced)
      console.log(
        `${label} costs ${(((single.rps - traced.rps) / single.rps) * 100).toFixed(1)}% of throughput (${Math.round(single.rps)} → ${Math.round(traced.rps)} req/s), p99 ${String(single.p99)} → ${String(traced.p99)} ms.`,
      );
  }
  if (single && shadowed)
    console.log(
      `A shadow bundle costs ${(((single.rps - shadowed.rps) / single.rps) * 100).toFixed(1)}% of throughput (${Math.round(single.rps)} → ${Math.round(shadowed.rps)} req/s), p99 ${String(single.p99)} → ${String(shadowed.p99)} ms.`,
    );
} finally {
  await harness.close();
}
