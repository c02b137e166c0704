// The soak: mixed traffic (executes, verifies, forged verifies, audit queries, replays, bad keys, a bundle
// that fails verification) at half of the capacity measured in the same run, against a production
// `parmana server` with real Redis, Postgres and a Kafka export sink. Every minute it records throughput,
// latency and the server's memory; at the end it checks that memory stayed flat, p99 stayed stable, no
// answer was other than intended, and the security-event counts the client caused equal those in the audit
// table, the Prometheus counters and the Kafka topic.
//
// It runs with a short replay window (SOAK_REPLAY_WINDOW_SECONDS, default 300): part of its replays name ids
// decided longer ago than that, which Redis has forgotten and Postgres must refuse, and Redis memory must level.
// Run: npm run test:soak   (SOAK_MINUTES=30 by default; SOAK_LOAD=0.5 of capacity; SOAK_REPORT=file.json)
// Exit code 0 when every check holds, 1 otherwise.
import { randomBytes, randomUUID } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { cpus } from "node:os";
import autocannon from "autocannon";
import pg from "pg";
import { createHarness, serverListening } from "../../bench/support/harness.ts";
import { createTopic, readTopic } from "../support/kafka-consumer.ts";
import { Redis } from "ioredis";
import { kafkaService, redisService } from "../support/services.ts";
import { serverEnv, writeServerFiles, type TestServerFiles } from "../support/server.ts";
import { setTimeout as sleep } from "node:timers/promises";

const MINUTES = Number(process.env["SOAK_MINUTES"] ?? 30);
const LOAD = Number(process.env["SOAK_LOAD"] ?? 0.5);
const CONNECTIONS = 64;
const SEGMENT_S = Number(process.env["SOAK_SEGMENT_SECONDS"] ?? 60);
/** Redis forgets consumed ids after this; replays of older ids must still be refused (by Postgres). */
const WINDOW_S = Number(process.env["SOAK_REPLAY_WINDOW_SECONDS"] ?? 300);
const EVENT_TYPES = [
  "replay_attempt",
  "signature_failure",
  "invalid_policy",
  "rate_limit_exceeded",
  "unauthorized_access",
] as const;

type Kind =
  "execute" | "verify" | "forged" | "replay" | "oldReplay" | "audit" | "badKey" | "invalidPolicy" | "health";
/** What each kind of request is meant to get; anything else is an error. */
const INTENDED: Record<Kind, readonly number[]> = {
  execute: [200],
  verify: [200],
  forged: [200], // valid: false, and a signature_failure event
  replay: [422],
  oldReplay: [422], // an id decided longer ago than the replay window: Redis forgot it, Postgres refuses it
  audit: [200],
  badKey: [401],
  invalidPolicy: [422],
  health: [200, 429], // limited to HEALTH_LIMIT a minute: the rest are rate_limit_exceeded
};
const HEALTH_LIMIT = 600;

interface ConnectionState {
  lastId?: string;
  pendingId?: string;
  /** Whether this connection's replay of an old id is in flight (else it replays a recent one). */
  oldReplay?: boolean;
  attestation?: Record<string, unknown>;
}

const answers = new Map<string, number>(); // "kind status" → count
function count(kind: Kind, status: number): void {
  const key = `${kind} ${String(status)}`;
  answers.set(key, (answers.get(key) ?? 0) + 1);
}
function answered(kind: Kind, status = INTENDED[kind][0] ?? 0): number {
  return answers.get(`${kind} ${String(status)}`) ?? 0;
}
function unintended(): Record<string, number> {
  return Object.fromEntries(
    [...answers].filter(([key]) => {
      const [kind, status] = key.split(" ") as [Kind, string];
      return !INTENDED[kind].includes(Number(status));
    }),
  );
}

let sequence = 0;
/** Ids answered 200, oldest first, with when; those older than the window (+ a minute) feed oldReplay. */
const decided: { id: string; at: number }[] = [];
const expired: string[] = [];
function takeExpired(): string | undefined {
  const cutoff = Date.now() - (WINDOW_S + 60) * 1000;
  while (decided.length > 0 && (decided[0]?.at ?? Infinity) < cutoff) {
    const next = decided.shift();
    if (next && expired.length < 10_000) expired.push(next.id);
  }
  return expired.pop();
}
const prefix = randomBytes(4).toString("hex");
function executeBody(id: string, policyVersion = "1.2.0"): string {
  return JSON.stringify({
    executionId: id,
    policyId: "loan-approval",
    policyVersion,
    signals: { credit_score: 600 + (sequence % 250), country: "US", flagged: false, amount: 1000 + sequence },
  });
}

/** One cycle of eleven requests per connection: four executes and seven others, in a fixed order. */
function mix(files: TestServerFiles): autocannon.Request[] {
  const json = (key: string): Record<string, string> => ({
    "content-type": "application/json",
    authorization: `Bearer ${key}`,
  });
  const execute = (remember: boolean): autocannon.Request => ({
    method: "POST",
    path: "/execute",
    headers: json(files.keys.executor),
    setupRequest: (request, context) => {
      const id = `soak-${prefix}-${String(sequence++)}`;
      if (remember) (context as ConnectionState).lastId = id;
      (context as ConnectionState).pendingId = id;
      return { ...request, body: executeBody(id) };
    },
    onResponse: (status, body, context) => {
      count("execute", status);
      if (status !== 200) return;
      const attestation = (JSON.parse(body) as { attestation: Record<string, unknown> }).attestation;
      (context as ConnectionState).attestation = attestation;
      if (decided.length < 2_000_000)
        decided.push({ id: String(attestation["executionId"]), at: Date.now() });
    },
  });
  const verify = (forged: boolean): autocannon.Request => ({
    method: "POST",
    path: "/verify",
    headers: json(files.keys.verifier),
    setupRequest: (request, context) => {
      const attestation = (context as ConnectionState).attestation ?? {};
      const body = forged ? { ...attestation, executionId: `forged-${String(sequence++)}` } : attestation;
      return { ...request, body: JSON.stringify({ attestation: body }) };
    },
    onResponse: (status) => {
      count(forged ? "forged" : "verify", status);
    },
  });
  return [
    execute(false),
    verify(false),
    execute(true),
    {
      method: "POST",
      path: "/execute",
      headers: json(files.keys.executor),
      setupRequest: (request, context) => ({
        ...request,
        body: executeBody((context as ConnectionState).lastId ?? "never-executed"),
      }),
      onResponse: (status) => {
        count("replay", status);
      },
    },
    {
      method: "POST",
      path: "/execute",
      headers: json(files.keys.executor),
      setupRequest: (request, context) => {
        const state = context as ConnectionState;
        const old = takeExpired();
        state.oldReplay = old !== undefined;
        return { ...request, body: executeBody(old ?? state.lastId ?? "never-executed") };
      },
      onResponse: (status, _body, context) => {
        count((context as ConnectionState).oldReplay === true ? "oldReplay" : "replay", status);
      },
    },
    execute(false),
    {
      method: "GET",
      path: "/audit/security?limit=50",
      headers: { authorization: `Bearer ${files.keys.auditor}` },
      onResponse: (status) => {
        count("audit", status);
      },
    },
    {
      method: "POST",
      path: "/execute",
      headers: json(`pk_guess_${randomBytes(16).toString("hex")}`),
      setupRequest: (request) => ({
        ...request,
        body: executeBody(`soak-${prefix}-guess-${String(sequence++)}`),
      }),
      onResponse: (status) => {
        count("badKey", status);
      },
    },
    execute(false),
    verify(true),
    {
      method: "GET",
      path: "/health/live",
      onResponse: (status) => {
        count("health", status);
      },
    },
    {
      method: "POST",
      path: "/execute",
      headers: json(files.keys.executor),
      // 1.1.0 on disk was altered after signing: it fails verification and is never served.
      setupRequest: (request) => ({
        ...request,
        body: executeBody(`soak-${prefix}-bad-${String(sequence++)}`, "1.1.0"),
      }),
      onResponse: (status) => {
        count("invalidPolicy", status);
      },
    },
  ];
}

interface Minute {
  readonly minute: number;
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly errors: number;
  /** Highest resident set seen in the minute (sampled every 5 s). */
  readonly rssMiB: number;
  /** Lowest heap in use seen in the minute: the closest sample to what survives a collection. */
  readonly heapMiB: number;
  readonly droppedTotal: number;
  /** Redis used_memory at the minute's end. */
  readonly redisMiB: number;
  /** How long the server took to answer /metrics at the minute's end (its outbox gauges query Postgres). */
  readonly metricsMs: number;
}

async function metricsText(url: string): Promise<string> {
  const response = await fetch(url);
  return response.text();
}

function metricValue(text: string, name: string): number {
  const line = text.split("\n").find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(" ")[1]) : Number.NaN;
}

/** parmana_security_events_total summed over severity, by event_type. */
function prometheusCounts(text: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const line of text.split("\n")) {
    const match = /^parmana_security_events_total\{[^}]*event_type="([a-z_]+)"[^}]*\} (\d+)/.exec(line);
    if (match?.[1] && match[2]) counts[match[1]] = (counts[match[1]] ?? 0) + Number(match[2]);
  }
  return counts;
}

/** The sum of every series of a counter, whatever its labels. */
function labelledSum(text: string, name: string): number {
  return text
    .split("\n")
    .filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `))
    .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(" ") + 1)), 0);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

const harness = createHarness();
let failed = false;
function check(ok: boolean, what: string): void {
  console.log(`${ok ? "PASS" : "FAIL"}  ${what}`);
  if (!ok) failed = true;
}

try {
  const files = await writeServerFiles(harness.context);
  const databaseUrl = await harness.database("parmana_soak");
  const kafka = kafkaService();
  const topic = `parmana-soak-${randomUUID()}`;
  await createTopic(kafka, topic);
  const env = serverEnv(files, databaseUrl, redisService().url, {
    NODE_ENV: "production",
    LOG_LEVEL: "info",
    PARMANA_RATE_LIMIT_EXECUTE: "1000000",
    PARMANA_RATE_LIMIT_VERIFY: "1000000",
    PARMANA_RATE_LIMIT_AUDIT: "1000000",
    PARMANA_RATE_LIMIT_HEALTH: String(HEALTH_LIMIT),
    PARMANA_EXPORT_KAFKA_BROKERS: kafka.brokers.join(","),
    PARMANA_EXPORT_KAFKA_TOPIC: topic,
    PARMANA_EXPORT_KAFKA_FORMAT: "raw",
    PARMANA_REPLAY_RETENTION_SECONDS: String(WINDOW_S),
  });
  const redis = new Redis(redisService().url);
  redis.on("error", () => undefined);
  harness.context.after(() => redis.quit());
  const redisMiB = async (): Promise<number> => {
    const info = await redis.info("memory");
    return Math.round(Number(/used_memory:(\d+)/.exec(info)?.[1] ?? 0) / 2 ** 20);
  };
  const listening = (await harness.startChild(["bin/parmana.js", "server"], env, serverListening)).found;
  const requests = mix(files);
  // Events the server raised before any traffic: loading the tampered 1.1.0 bundle raises invalid_policy.
  const atStart = prometheusCounts(await metricsText(listening.metrics));
  console.log(`Security events raised at startup, before any request: ${JSON.stringify(atStart)}`);

  // Runs end after a number of requests rather than a duration: autocannon drops the answers still in flight
  // when a duration ends, and every answer must be counted to compare with the server's counts.
  const run = (amount: number, overallRate?: number): Promise<autocannon.Result> =>
    autocannon({
      url: listening.url,
      connections: CONNECTIONS,
      amount,
      requests,
      ...(overallRate !== undefined && { overallRate }),
    });

  await run(10_000);
  const probe = await run(60_000);
  const capacity = probe.requests.total / (probe.duration || 1);
  const rate = Math.round(capacity * LOAD);
  console.log(
    `Machine: ${String(cpus().length)} × ${cpus()[0]?.model ?? "?"}, Node ${process.version}. Capacity of the mix ` +
      `(closed loop, ${String(CONNECTIONS)} connections, 60,000 requests): ${capacity.toFixed(0)} req/s, p99 ${String(probe.latency.p99)} ms. ` +
      `Soak: ${String(MINUTES)} × ${String(SEGMENT_S)} s at ${String(rate)} req/s (${String(LOAD * 100)}%).`,
  );
  // The warm-up's and probe's answers stay counted: the events they caused are in the same tables.

  const minutes: Minute[] = [];
  console.log(
    "| minute | req/s | p50 ms | p99 ms | max ms | errors | peak RSS MiB | least heap used MiB | Redis MiB | /metrics ms |",
  );
  console.log("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
  for (let minute = 1; minute <= MINUTES; minute++) {
    const samples: string[] = [];
    const sampler = setInterval(() => {
      metricsText(listening.metrics).then(
        (text) => samples.push(text),
        () => undefined,
      );
    }, 5_000);
    let r: autocannon.Result;
    try {
      r = await run(rate * SEGMENT_S, rate);
    } finally {
      clearInterval(sampler);
    }
    const scrapeStarted = performance.now();
    const text = await metricsText(listening.metrics);
    const metricsMs = Math.round(performance.now() - scrapeStarted);
    samples.push(text);
    const row: Minute = {
      minute,
      rps: Math.round(r.requests.total / (r.duration || 1)),
      p50: r.latency.p50,
      p99: r.latency.p99,
      max: r.latency.max,
      errors: r.errors + r.timeouts,
      rssMiB: Math.round(
        Math.max(...samples.map((t) => metricValue(t, "process_resident_memory_bytes"))) / 2 ** 20,
      ),
      heapMiB: Math.round(
        Math.min(...samples.map((t) => metricValue(t, "nodejs_heap_size_used_bytes"))) / 2 ** 20,
      ),
      droppedTotal: labelledSum(text, "parmana_events_dropped_total"),
      redisMiB: await redisMiB(),
      metricsMs,
    };
    minutes.push(row);
    console.log(
      `| ${String(row.minute)} | ${String(row.rps)} | ${String(row.p50)} | ${String(row.p99)} | ${String(row.max)} | ${String(row.errors)} | ${String(row.rssMiB)} | ${String(row.heapMiB)} | ${String(row.redisMiB)} | ${String(row.metricsMs)} |`,
    );
  }

  // What the client caused, as security events.
  const fromTraffic: Record<string, number> = {
    replay_attempt: answered("replay") + answered("oldReplay"),
    signature_failure: answered("forged"),
    invalid_policy: answered("invalidPolicy"),
    rate_limit_exceeded: answered("health", 429),
    unauthorized_access: answered("badKey"),
  };
  const caused = Object.fromEntries(
    EVENT_TYPES.map((t) => [t, (fromTraffic[t] ?? 0) + (atStart[t] ?? 0)]),
  ) as Record<string, number>;
  const sql = new pg.Client({ connectionString: databaseUrl });
  await sql.connect();
  const reader = await readTopic(harness.context, kafka, topic);
  let audit: Record<string, number> = {};
  let prometheus: Record<string, number> = {};
  let inKafka: Record<string, number> = {};
  let duplicates = 0;
  let accessRows = 0;
  const totalAnswers = [...answers.values()].reduce((sum, n) => sum + n, 0);
  const same = (a: Record<string, number>): boolean => EVENT_TYPES.every((t) => (a[t] ?? 0) === caused[t]);
  const deadline = Date.now() + 120_000;
  do {
    await sleep(2_000);
    const rows = await sql.query<{ event_type: string; n: string }>(
      "select event_type, sum(occurrences)::text as n from audit_security_events group by event_type",
    );
    audit = Object.fromEntries(rows.rows.map((r) => [r.event_type, Number(r.n)]));
    prometheus = prometheusCounts(await metricsText(listening.metrics));
    const byId = new Map<string, { event_type: string; occurrences: number }>();
    for (const record of reader.records)
      byId.set(record.key, JSON.parse(record.value) as { event_type: string; occurrences: number });
    duplicates = reader.records.length - byId.size;
    inKafka = {};
    for (const e of byId.values()) inKafka[e.event_type] = (inKafka[e.event_type] ?? 0) + e.occurrences;
    accessRows = Number(
      (await sql.query<{ n: string }>("select count(*)::text as n from audit_api_access")).rows[0]?.n,
    );
  } while (
    !(same(audit) && same(prometheus) && same(inKafka) && accessRows === totalAnswers) &&
    Date.now() < deadline
  );
  const decisions = Number(
    (await sql.query<{ n: string }>("select count(*)::text as n from audit_decisions")).rows[0]?.n,
  );
  await sql.end();
  await reader.close();

  console.log("\n| event type | caused (startup + client) | audit table | Prometheus | Kafka |");
  console.log("|---|---:|---:|---:|---:|");
  for (const t of EVENT_TYPES)
    console.log(
      `| ${t} | ${String(atStart[t] ?? 0)} + ${String(fromTraffic[t])} | ${String(audit[t] ?? 0)} | ${String(prometheus[t] ?? 0)} | ${String(inKafka[t] ?? 0)} |`,
    );
  console.log(`\nAnswers by kind and status: ${JSON.stringify(Object.fromEntries(answers))}`);

  const third = Math.max(1, Math.floor(minutes.length / 3));
  const early = minutes.slice(0, third);
  const late = minutes.slice(-third);
  const rssEarly = Math.max(...early.map((m) => m.rssMiB));
  const rssLate = Math.max(...late.map((m) => m.rssMiB));
  const heapEarly = median(early.map((m) => m.heapMiB));
  const heapLate = median(late.map((m) => m.heapMiB));
  const dropped = minutes.at(-1)?.droppedTotal ?? 0;
  const p99Early = median(early.map((m) => m.p99));
  const p99Late = median(late.map((m) => m.p99));
  const totalErrors = minutes.reduce((sum, m) => sum + m.errors, 0);
  console.log("");
  check(totalErrors === 0, `no connection errors or timeouts (${String(totalErrors)})`);
  check(
    Object.keys(unintended()).length === 0,
    `every answer was the intended one (unintended: ${JSON.stringify(unintended())})`,
  );
  check(
    decisions === answered("execute"),
    `audit_decisions rows ${String(decisions)} = executes answered 200 ${String(answered("execute"))}`,
  );
  check(
    accessRows === totalAnswers,
    `audit_api_access rows ${String(accessRows)} = requests answered ${String(totalAnswers)}`,
  );
  check(same(audit), "security events: audit table = caused");
  check(same(prometheus), "security events: Prometheus counters = caused");
  check(same(inKafka), "security events: Kafka = caused");
  check(duplicates === 0, `no event sent to Kafka twice without a fault (${String(duplicates)})`);
  check(
    dropped === 0,
    `nothing dropped from a bounded buffer (parmana_events_dropped_total ${String(dropped)})`,
  );
  check(
    heapLate <= heapEarly * 1.2 + 8,
    `memory flat: least heap used, median of last third ${String(heapLate)} MiB ≤ 1.2 × first third ${String(heapEarly)} MiB + 8`,
  );
  check(
    rssLate <= rssEarly * 1.25 + 16,
    `memory flat: peak RSS last third ${String(rssLate)} MiB ≤ 1.25 × first third ${String(rssEarly)} MiB + 16`,
  );
  check(
    p99Late <= p99Early * 1.1,
    `p99 stable: median of last third ${String(p99Late)} ms within 10% of the first third's ${String(p99Early)} ms`,
  );
  // Once the window has passed (and a minute more), Redis holds about a window's worth of ids: level.
  const settled = minutes.filter((m) => m.minute * SEGMENT_S > WINDOW_S + 120);
  const half = Math.floor(settled.length / 2);
  const redisBefore = median(settled.slice(0, half).map((m) => m.redisMiB));
  const redisAfter = median(settled.slice(half).map((m) => m.redisMiB));
  check(
    settled.length >= 4 && redisAfter <= redisBefore * 1.15 + 8,
    `Redis memory level past the ${String(WINDOW_S)} s window: median ${String(redisAfter)} MiB in the last half ≤ 1.15 × ${String(redisBefore)} MiB + 8 (${String(settled.length)} minutes past the window)`,
  );
  check(
    answered("oldReplay") > 0 &&
      answered("oldReplay") ===
        [...answers].filter(([k]) => k.startsWith("oldReplay ")).reduce((n, [, c]) => n + c, 0),
    `replays of ids older than the window refused: ${String(answered("oldReplay"))} of ${String([...answers].filter(([k]) => k.startsWith("oldReplay ")).reduce((n, [, c]) => n + c, 0))}`,
  );
  const report = process.env["SOAK_REPORT"];
  if (report)
    await writeFile(
      report,
      `${JSON.stringify({ capacity, rate, minutes, caused, audit, prometheus, kafka: inKafka, decisions, accessRows, answers: Object.fromEntries(answers), failed }, null, 2)}\n`,
    );
} catch (error) {
  console.error(error);
  failed = true;
} finally {
  await harness.close();
}
process.exit(failed ? 1 : 0);
