// bench/compare: Parmana's POST /execute (replay reservation in Redis, evaluation, Ed25519 attestation, durable
// Postgres audit row) — signing each decision alone and in batches (PARMANA_SIGNING_MODE) — beside Open Policy
// Agent's REST API evaluating the same loan-approval policy in Rego,
// on the same machine, with the same load generator, connections and request mix, alternating runs; then what
// each part of a Parmana request costs against its own limit, measured in the same run; and a PNG plot of
// throughput against p99 as load rises. Run: npm run bench:compare (builds OPA from the Go module proxy on
// first use, into ~/.cache/parmana-bench).
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { cpus, homedir, tmpdir } from "node:os";
import { join } from "node:path";
import type { TestContext } from "node:test";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import autocannon from "autocannon";
import { Redis } from "ioredis";
import { chromium } from "playwright-core";
import { checkAttestationBatch, signAttestationBatch } from "../../src/attest/index.ts";
import { connectPostgres, migrate } from "../../src/audit/index.ts";
import {
  generateSigningKeyPair,
  parseSigningKey,
  signPayload,
  SigningDomain,
  verifyPayload,
} from "../../src/crypto/index.ts";
import { compilePolicyText, evaluatePolicy } from "../../src/policy/index.ts";
import { chromiumExecutable, redisService } from "../../test/support/services.ts";
import { freePort } from "../../test/support/private-services.ts";
import { freshDatabase, serverEnv, writeServerFiles } from "../../test/support/server.ts";

const OPA_VERSION = "v1.22.3";
const LEVELS = (process.env["BENCH_CONNECTIONS"] ?? "8,32,64").split(",").map(Number);
const DURATION_S = Number(process.env["BENCH_DURATION"] ?? 10);
const ROUNDS = Number(process.env["BENCH_ROUNDS"] ?? 2);
const root = fileURLToPath(new URL("../../", import.meta.url));
const run = promisify(execFile);
const children: ChildProcess[] = [];
const cleanups: (() => unknown)[] = [];
const context = { after: (fn: () => unknown) => cleanups.push(fn) } as unknown as TestContext;
const log = (line: string): void => {
  process.stderr.write(`[compare] ${line}\n`);
};

async function opaBinary(): Promise<string> {
  const dir = join(
    process.env["XDG_CACHE_HOME"] ?? join(homedir(), ".cache"),
    "parmana-bench",
    `opa-${OPA_VERSION}`,
  );
  const bin = join(dir, "opa");
  if (existsSync(bin)) return bin;
  await mkdir(dir, { recursive: true });
  log(`building OPA ${OPA_VERSION} from the Go module proxy (first run only; a few minutes on 2 cores)`);
  const started = performance.now();
  await run("go", ["install", `github.com/open-policy-agent/opa@${OPA_VERSION}`], {
    env: { ...process.env, GOBIN: dir, CGO_ENABLED: "0" },
    maxBuffer: 64 << 20,
  });
  log(`built OPA in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  return bin;
}

function start(
  command: string,
  args: string[],
  env: Record<string, string>,
  ready: (line: string) => string | undefined,
): Promise<string> {
  const child = spawn(command, args, {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    child.once("exit", (code) => {
      reject(new Error(`${command} ${args.join(" ")} exited with ${String(code)}`));
    });
    for (const stream of [child.stdout, child.stderr])
      createInterface({ input: stream }).on("line", (line) => {
        const url = ready(line);
        if (url !== undefined) resolve(url);
      });
  });
}

const signals = (n: number): Record<string, unknown> => ({
  credit_score: 500 + (n % 300),
  country: n % 3 === 0 ? "IN" : "US",
  flagged: n % 17 === 0,
  amount: 1000 + ((n * 7919) % 90_000),
});

interface Point {
  readonly target: string;
  readonly connections: number;
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly p999: number;
  readonly errors: number;
}

type Target = "OPA" | "Parmana per-decision" | "Parmana batched";
const TARGETS: readonly Target[] = ["OPA", "Parmana per-decision", "Parmana batched"];

async function load(target: Target, url: string, key: string, connections: number): Promise<Point> {
  let n = 0;
  const prefix = randomBytes(4).toString("hex");
  const body = (): string =>
    target === "OPA"
      ? JSON.stringify({ input: { signals: signals(n++) } })
      : JSON.stringify({
          executionId: `cmp-${prefix}-${String(n)}`,
          policyId: "loan-approval",
          policyVersion: "1.2.0",
          signals: signals(n++),
        });
  const go = (duration: number): Promise<autocannon.Result> =>
    autocannon({
      url,
      connections,
      duration,
      requests: [
        {
          method: "POST",
          path: target === "OPA" ? "/v1/data/parmana/loan_approval/decision" : "/execute",
          headers: {
            "content-type": "application/json",
            ...(target !== "OPA" && { authorization: `Bearer ${key}` }),
          },
          setupRequest: (request) => ({ ...request, body: body() }),
        },
      ],
    });
  await go(2);
  const r = await go(DURATION_S);
  return {
    target,
    connections,
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    p999: r.latency.p99_9,
    errors: r.errors + r.timeouts + r.non2xx,
  };
}

/** Runs `op` with `concurrency` in flight for `seconds`; returns completed operations per second. */
async function rate(
  seconds: number,
  concurrency: number,
  op: () => Promise<unknown> | undefined,
): Promise<number> {
  const end = performance.now() + seconds * 1000;
  let done = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        await op();
        done++;
      }
    }),
  );
  return done / seconds;
}

async function parity(opa: string, parmana: string, key: string): Promise<void> {
  for (let n = 0; n < 200; n++) {
    const s = signals(n);
    const o = (await (
      await fetch(`${opa}/v1/data/parmana/loan_approval/decision`, {
        method: "POST",
        body: JSON.stringify({ input: { signals: s } }),
      })
    ).json()) as {
      result: { action: string };
    };
    const p = (await (
      await fetch(`${parmana}/evaluate`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
        body: JSON.stringify({
          executionId: `parity-${String(n)}`,
          policyId: "loan-approval",
          policyVersion: "1.2.0",
          signals: s,
        }),
      })
    ).json()) as { wouldDecide?: string };
    const action = p.wouldDecide;
    if (o.result.action !== action)
      throw new Error(
        `OPA and Parmana disagree on ${JSON.stringify(s)}: ${o.result.action} vs ${String(action)}`,
      );
  }
  log("OPA and Parmana agree on 200 inputs");
}

async function costs(): Promise<{ part: string; perSecond: number }[]> {
  const bare = await start(
    process.execPath,
    ["bench/execute/bare.ts"],
    {},
    (line) => (JSON.parse(line) as { url?: string }).url,
  );
  const bareRps = (
    await autocannon({
      url: bare,
      connections: 64,
      duration: 5,
      method: "POST",
      body: '{"executionId":"x"}',
      headers: { "content-type": "application/json" },
    })
  ).requests.average;
  const redis = new Redis(redisService().url, { enableAutoPipelining: true });
  cleanups.push(() => redis.quit());
  const prefix = randomBytes(4).toString("hex");
  let i = 0;
  const setNx = await rate(5, 64, () => redis.set(`cmp:${prefix}:${String(i++)}`, "1", "PX", 60_000, "NX"));
  const signer = parseSigningKey(generateSigningKeyPair().privateKeyPem);
  const payload = {
    executionId: "x".repeat(40),
    decision: "approve",
    signals: signals(1),
    issuedAt: new Date().toISOString(),
  };
  const sign = await rate(2, 1, () => {
    signPayload(SigningDomain.attestation, payload, signer);
    return undefined;
  });
  const signature = signPayload(SigningDomain.attestation, payload, signer);
  const verify = await rate(2, 1, () => {
    verifyPayload(SigningDomain.attestation, payload, signature, signer.publicKey);
    return undefined;
  });
  const batchInputs = Array.from({ length: 32 }, (_, j) => ({
    executionId: `bench-${String(j)}`,
    policyId: "loan-approval",
    policyVersion: "1.2.0",
    schemaVersion: "1.0.0",
    signals: signals(j),
    decision: { action: "approve", requires_override: false, reason: "ok", ruleId: "ok" },
    runtimeVersion: "0.1.0",
    runtimeHash: `sha256:${"11".repeat(32)}`,
    bundleHash: `sha256:${"22".repeat(32)}`,
    manifestHash: `sha256:${"33".repeat(32)}`,
    bundleRevision: 1,
    issuedAt: new Date(),
  }));
  const batchSigned = await rate(2, 1, () => {
    if (!checkAttestationBatch(signAttestationBatch(batchInputs, signer), signer.publicKey))
      throw new Error("a batch failed its self-check");
    return undefined;
  });
  const policy = compilePolicyText(
    await (
      await import("node:fs/promises")
    ).readFile(join(root, "deploy/examples/policies/loan-approval/1.2.0/policy.json"), "utf8"),
  );
  let k = 0;
  const compiled = policy.compiled;
  const evaluate = compiled
    ? await rate(2, 1, () => {
        evaluatePolicy(compiled, signals(k++) as Parameters<typeof evaluatePolicy>[1]);
        return undefined;
      })
    : 0;
  const db = connectPostgres({ connectionString: await freshDatabase(context) });
  cleanups.push(() => db.close());
  await migrate(db);
  await db.exec("create table bench_rows (id text primary key, body jsonb not null)");
  let batch = 0;
  const rows = await rate(5, 4, async () => {
    const ids = Array.from({ length: 500 }, (_, j) => `${String(batch)}-${String(j)}-${prefix}`);
    batch++;
    await db.query(
      'insert into bench_rows (id, body) select id, \'{"decision":"approve"}\'::jsonb from unnest($1::text[]) as t(id)',
      [ids],
    );
  });
  return [
    { part: "HTTP + JSON + validation (bare fastify POST route, 64 connections)", perSecond: bareRps },
    { part: "Redis SET NX PX (ioredis, auto-pipelined, 64 in flight)", perSecond: setNx },
    { part: "policy evaluation (one core)", perSecond: evaluate },
    { part: "Ed25519 sign with a cached key (node:crypto, one core)", perSecond: sign },
    { part: "Ed25519 verify (the server's self-check of each attestation it signs)", perSecond: verify },
    {
      part: "batched: attestations signed and self-checked in batches of 32 (one sign + one verify + the tree, one core)",
      perSecond: batchSigned * 32,
    },
    { part: "audit rows, batched insert of 500 (4 in flight)", perSecond: rows * 500 },
  ];
}

/** Mean durations (ms) of /execute and its I/O steps, from a server's histograms (sum ÷ count). */
async function stages(
  metricsUrl: string,
): Promise<{ execute: number; reserve: number; audit: number; confirm: number }> {
  const text = await (await fetch(metricsUrl)).text();
  const value = (series: string): number => {
    const line = text.split("\n").find((l) => l.startsWith(`${series} `));
    return Number(line?.slice(series.length + 1) ?? Number.NaN);
  };
  const mean = (name: string, labels: string): number =>
    (value(`${name}_sum${labels}`) / value(`${name}_count${labels}`)) * 1000;
  return {
    execute: mean("parmana_execute_duration_seconds", ""),
    reserve: mean("parmana_replay_store_duration_seconds", '{operation="reserve"}'),
    audit: mean("parmana_audit_write_duration_seconds", '{table="audit_decisions"}'),
    confirm: mean("parmana_replay_store_duration_seconds", '{operation="confirm"}'),
  };
}

interface ProfileNode {
  id: number;
  callFrame: { url: string; functionName: string };
}

/** A sample's place: the npm package, the Parmana module (src/<dir>), the Node built-in, or the V8 bucket. */
function placeOf(url: string, name: string): string {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (pkg !== undefined) return pkg;
  const own = /\/(?:src|dist)\/([^/]+)\//.exec(url)?.[1];
  if (own !== undefined) return `parmana ${own}`;
  const internal = /^node:(?:internal\/)?([^/]+)/.exec(url)?.[1];
  if (internal !== undefined) return `node ${internal}`;
  return url === "" ? name || "(native)" : "other";
}

/** Where a process's CPU time went, by package or Parmana module, from a V8 .cpuprofile. */
function attribute(profile: { nodes: ProfileNode[]; samples: number[] }): { where: string; share: number }[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const counts = new Map<string, number>();
  let total = 0;
  for (const id of profile.samples) {
    const frame = byId.get(id)?.callFrame;
    const url = frame?.url ?? "";
    const name = frame?.functionName ?? "";
    if (name === "(idle)") continue;
    total++;
    const where = placeOf(url, name);
    counts.set(where, (counts.get(where) ?? 0) + 1);
  }
  return [...counts]
    .map(([where, n]) => ({ where, share: n / Math.max(1, total) }))
    .sort((a, b) => b.share - a.share)
    .slice(0, 14);
}

/** Profiles a second Parmana server under the same load (32 connections) and attributes its CPU time. */
async function profile(
  env: Record<string, string>,
  key: string,
): Promise<{ where: string; share: number }[]> {
  // BENCH_PROFILE_DIR keeps the .cpuprofile (open it in Chrome DevTools) instead of a temporary directory.
  const kept = process.env["BENCH_PROFILE_DIR"];
  const dir = kept ?? (await mkdtemp(join(tmpdir(), "parmana-prof-")));
  if (kept === undefined) cleanups.push(() => rm(dir, { recursive: true, force: true }));
  else await mkdir(dir, { recursive: true });
  const child = spawn(process.execPath, ["--cpu-prof", `--cpu-prof-dir=${dir}`, "bin/parmana.js", "server"], {
    cwd: root,
    env: { ...process.env, ...env, LOG_LEVEL: "info" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const url = await new Promise<string>((resolve) => {
    createInterface({ input: child.stdout }).on("line", (line) => {
      try {
        const entry = JSON.parse(line) as { msg?: string; url?: string };
        if (entry.msg === "parmana server listening" && entry.url !== undefined) resolve(entry.url);
      } catch {
        // not a log line
      }
    });
  });
  await load("Parmana batched", url, key, 32);
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await exited;
  const file = (await readdir(dir)).find((f) => f.endsWith(".cpuprofile"));
  if (file === undefined) return [];
  return attribute(
    JSON.parse(await readFile(join(dir, file), "utf8")) as { nodes: ProfileNode[]; samples: number[] },
  );
}

async function plot(points: readonly Point[], file: string): Promise<void> {
  const maxX = Math.max(...points.map((p) => p.rps)) * 1.1;
  const maxY = Math.max(...points.map((p) => p.p99)) * 1.1;
  const x = (v: number): number => 60 + (v / maxX) * 520;
  const y = (v: number): number => 330 - (v / maxY) * 300;
  const series = (target: string, color: string): string => {
    const ps = points.filter((p) => p.target === target).sort((a, b) => a.connections - b.connections);
    const path = ps
      .map((p, i) => `${i === 0 ? "M" : "L"}${x(p.rps).toFixed(1)},${y(p.p99).toFixed(1)}`)
      .join(" ");
    const dots = ps
      .map(
        (p) =>
          `<circle cx="${x(p.rps).toFixed(1)}" cy="${y(p.p99).toFixed(1)}" r="4" fill="${color}"/><text x="${(x(p.rps) + 6).toFixed(1)}" y="${(y(p.p99) - 6).toFixed(1)}" font-size="11">${String(p.connections)}c</text>`,
      )
      .join("");
    return `<path d="${path}" stroke="${color}" fill="none" stroke-width="2"/>${dots}`;
  };
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="640" height="380" font-family="sans-serif">
<rect width="640" height="380" fill="white"/>
<line x1="60" y1="330" x2="590" y2="330" stroke="#333"/><line x1="60" y1="20" x2="60" y2="330" stroke="#333"/>
<text x="320" y="365" text-anchor="middle" font-size="13">throughput (requests/s)</text>
<text x="18" y="180" text-anchor="middle" font-size="13" transform="rotate(-90 18 180)">p99 latency (ms)</text>
<text x="64" y="345" font-size="11">0</text><text x="585" y="345" font-size="11" text-anchor="end">${Math.round(maxX).toLocaleString("en-US")}</text>
<text x="55" y="25" font-size="11" text-anchor="end">${maxY.toFixed(0)}</text>
${series("OPA", "#d97706")}${series("Parmana per-decision", "#0b57d0")}${series("Parmana batched", "#15803d")}
<text x="300" y="40" font-size="12" fill="#0b57d0">Parmana /execute, a signature per decision</text>
<text x="300" y="56" font-size="12" fill="#15803d">Parmana /execute, batched signatures (Merkle root)</text>
<text x="300" y="72" font-size="12" fill="#d97706">OPA REST API (decision only)</text>
</svg>`;
  const browser = await chromium.launch({ executablePath: chromiumExecutable(), args: ["--no-sandbox"] });
  try {
    const page = await browser.newPage({ viewport: { width: 640, height: 380 } });
    await page.setContent(svg);
    await page.screenshot({ path: file });
  } finally {
    await browser.close();
  }
}

try {
  const opaBin = await opaBinary();
  const opaPort = await freePort();
  const opa = `http://127.0.0.1:${String(opaPort)}`;
  const opaChild = spawn(
    opaBin,
    [
      "run",
      "--server",
      "--addr",
      `127.0.0.1:${String(opaPort)}`,
      "--skip-version-check",
      "--log-level",
      "error",
      join(root, "bench/compare/loan_approval.rego"),
    ],
    { stdio: ["ignore", "ignore", "inherit"] },
  );
  children.push(opaChild);
  for (let i = 0; ; i++) {
    const ok = await fetch(`${opa}/health`)
      .then((r) => r.ok)
      .catch(() => false);
    if (ok) break;
    if (i > 100) throw new Error("OPA did not become healthy");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const files = await writeServerFiles(context);
  const serverOf = async (
    mode: "per-decision" | "batched",
  ): Promise<{ url: string; metrics: string; env: Record<string, string> }> => {
    const env = serverEnv(files, await freshDatabase(context), redisService().url, {
      PARMANA_RATE_LIMIT_EXECUTE: "1000000",
      PARMANA_WORKERS: process.env["BENCH_WORKERS"] ?? "1",
      PARMANA_SIGNING_MODE: mode,
      NODE_ENV: "production",
      LOG_LEVEL: "info",
      // BENCH_SERVER_ENV='{"PARMANA_DECISION_LOG":"false"}': more settings for both Parmana servers.
      ...(JSON.parse(process.env["BENCH_SERVER_ENV"] ?? "{}") as Record<string, string>),
    });
    const urls = await start(process.execPath, ["bin/parmana.js", "server"], env, (line) => {
      try {
        const entry = JSON.parse(line) as { msg?: string; url?: string; metrics?: string };
        return entry.msg === "parmana server listening"
          ? `${entry.url ?? ""} ${entry.metrics ?? ""}`
          : undefined;
      } catch {
        return undefined;
      }
    });
    const [url = "", metrics = ""] = urls.split(" ");
    return { url, metrics, env };
  };
  // Both Parmana servers run throughout (each on its own database); only the one under load uses CPU.
  const perDecision = await serverOf("per-decision");
  const batched = await serverOf("batched");
  await parity(opa, perDecision.url, files.keys.executor);
  const urlOf = (target: Target): string =>
    target === "OPA" ? opa : target === "Parmana batched" ? batched.url : perDecision.url;

  const points: Point[] = [];
  for (const connections of LEVELS) {
    for (let round = 0; round < ROUNDS; round++) {
      // Each round in another order, so that no target always runs first or after the same one.
      const order = TARGETS.map((_, i) => TARGETS[(i + round) % TARGETS.length] as Target);
      for (const target of order) {
        const p = await load(target, urlOf(target), files.keys.executor, connections);
        log(`${target} ${String(connections)}c: ${Math.round(p.rps)} req/s, p99 ${String(p.p99)} ms`);
        points.push(p);
      }
    }
  }
  const best = points.filter(
    (p, _, all) =>
      !all.some((q) => q.target === p.target && q.connections === p.connections && q.rps > p.rps),
  );
  const stageRows = [
    ["Parmana per-decision", await stages(perDecision.metrics)],
    ["Parmana batched", await stages(batched.metrics)],
  ] as const;
  const parts = await costs();
  // One process, so that the profile is the whole server.
  const where = await profile({ ...batched.env, PARMANA_WORKERS: "1" }, files.keys.executor);
  const plotFile = join(root, "docs/compare-throughput-p99.png");
  await plot(best, plotFile);

  console.log(
    `Machine: ${String(cpus().length)} × ${cpus()[0]?.model ?? "?"}, Node ${process.version}, OPA ${OPA_VERSION} (built with CGO off); Parmana with PARMANA_WORKERS=${process.env["BENCH_WORKERS"] ?? "1"}; autocannon in this process; OPA, Parmana, Redis and Postgres on the same machine. ${String(DURATION_S)} s per run after a 2 s warm-up, ${String(ROUNDS)} alternating rounds per level, best run shown.\n`,
  );
  console.log("| connections | target | req/s | p50 ms | p99 ms | p99.9 ms | errors |");
  console.log("|---:|---|---:|---:|---:|---:|---:|");
  for (const p of best.sort((a, b) => a.connections - b.connections || a.target.localeCompare(b.target)))
    console.log(
      `| ${String(p.connections)} | ${p.target} | ${Math.round(p.rps).toLocaleString("en-US")} | ${String(p.p50)} | ${String(p.p99)} | ${String(p.p999)} | ${String(p.errors)} |`,
    );
  console.log("\n| connections | Parmana mode | Parmana ÷ OPA throughput | p99 Parmana − OPA (ms) |");
  console.log("|---:|---|---:|---:|");
  for (const c of LEVELS) {
    const o = best.find((p) => p.target === "OPA" && p.connections === c);
    for (const target of ["Parmana per-decision", "Parmana batched"] as const) {
      const m = best.find((p) => p.target === target && p.connections === c);
      if (o && m)
        console.log(
          `| ${String(c)} | ${target.slice("Parmana ".length)} | ${(m.rps / o.rps).toFixed(2)}× | ${String(m.p99 - o.p99)} |`,
        );
    }
  }
  const top = Math.max(...best.filter((p) => p.target === "Parmana batched").map((p) => p.rps));
  console.log(
    "\n| mean over all its runs (the server's own histograms), ms | /execute | Redis reserve | audit write (group commit) | Redis confirm | the rest (HTTP, auth, evaluation, signing, waiting for the CPU) |",
  );
  console.log("|---|---:|---:|---:|---:|---:|");
  for (const [target, st] of stageRows)
    console.log(
      `| ${target} | ${st.execute.toFixed(1)} | ${st.reserve.toFixed(1)} | ${st.audit.toFixed(1)} | ${st.confirm.toFixed(1)} | ${(st.execute - st.reserve - st.audit - st.confirm).toFixed(1)} |`,
    );
  console.log(
    "\n| part of a Parmana request | its own limit (per s) | share of one request's budget at the measured /execute rate |",
  );
  console.log("|---|---:|---:|");
  for (const part of parts)
    console.log(
      `| ${part.part} | ${Math.round(part.perSecond).toLocaleString("en-US")} | ${((top / part.perSecond) * 100).toFixed(0)}% |`,
    );
  console.log(
    "\n| where a Parmana server's CPU time goes under load (batched signing, 32 connections, V8 profile) | share |",
  );
  console.log("|---|---:|");
  for (const w of where) console.log(`| ${w.where} | ${(w.share * 100).toFixed(1)}% |`);
  console.log(`\nPlot: docs/compare-throughput-p99.png`);
  await writeFile(
    join(root, "docs/compare-latest.json"),
    `${JSON.stringify({ best, stages: Object.fromEntries(stageRows), parts, where }, null, 2)}\n`,
  );
} finally {
  for (const child of children) child.kill("SIGTERM");
  for (const cleanup of cleanups.reverse()) await Promise.resolve(cleanup()).catch(() => undefined);
}
