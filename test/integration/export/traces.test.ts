// Distributed traces through a real OpenTelemetry Collector: `parmana server` (the built CLI, as a pod runs it)
// with OTEL_TRACES_EXPORTER=otlp continues each caller's traceparent; every /execute is one trace under the
// caller's trace id, its server span the caller's child, with Parmana's steps and the Redis and Postgres client
// spans beneath it; the decision's audit row and a security event carry the trace id.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { connectPostgres } from "../../../src/audit/index.ts";
import { eventually } from "../../support/kube.ts";
import { descendsFrom, spansIn, type ReceivedSpan } from "../../support/otlp-traces.ts";
import {
  executeBody,
  freshDatabase,
  REPLAY_SIGNALS,
  serverEnv,
  uniqueId,
  writeServerFiles,
} from "../../support/server.ts";
import { otelCollectorService, redisService } from "../../support/services.ts";

const root = fileURLToPath(new URL("../../../", import.meta.url));

const SERVER = 2;
const CLIENT = 3;

async function execute(
  url: string,
  key: string,
  body: unknown,
  trace: { traceId: string; spanId: string },
): Promise<number> {
  const response = await fetch(`${url}/execute`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      authorization: `Bearer ${key}`,
      traceparent: `00-${trace.traceId}-${trace.spanId}-01`,
    },
    body: JSON.stringify(body),
  });
  await response.arrayBuffer();
  return response.status;
}

const dbSystem = (s: ReceivedSpan): unknown => s.attributes["db.system.name"] ?? s.attributes["db.system"];

test("traces: each /execute is one trace under the caller's trace id, with Redis and Postgres spans beneath the server span; audit rows and events carry it", async (t) => {
  const collector = otelCollectorService();
  const files = await writeServerFiles(t);
  const databaseUrl = await freshDatabase(t);
  const service = `parmana-trace-${randomUUID()}`;
  const env = serverEnv(files, databaseUrl, redisService().url, {
    LOG_LEVEL: "info",
    NODE_ENV: "production",
    OTEL_TRACES_EXPORTER: "otlp",
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: collector.tracesUrl,
    OTEL_SERVICE_NAME: service,
    OTEL_BSP_SCHEDULE_DELAY: "100",
  });
  const child = spawn(process.execPath, [join(root, "bin/parmana.js"), "server"], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  t.after(() => {
    child.kill("SIGKILL");
  });
  const url = await new Promise<string>((resolve) => {
    createInterface({ input: child.stdout }).on("line", (line) => {
      try {
        const entry = JSON.parse(line) as { msg?: string; url?: string };
        if (entry.msg === "parmana server listening" && entry.url) resolve(entry.url);
      } catch {
        // not a log line
      }
    });
  });

  const key = files.keys.executor;
  const callers = Array.from({ length: 3 }, () => ({
    traceId: randomBytes(16).toString("hex"),
    spanId: randomBytes(8).toString("hex"),
  }));
  const ids = callers.map(() => uniqueId("trace"));
  for (const [i, caller] of callers.entries())
    assert.equal(await execute(url, key, executeBody(ids[i] ?? ""), caller), 200);
  // A replay with other signals: 422 and a replay_attempt event raised in its own trace.
  const replayCaller = { traceId: randomBytes(16).toString("hex"), spanId: randomBytes(8).toString("hex") };
  assert.equal(await execute(url, key, executeBody(ids[0] ?? "", REPLAY_SIGNALS), replayCaller), 422);

  const traceIds = new Set(callers.map((c) => c.traceId));
  const spans = await eventually(
    "the spans of every execute in the collector's output",
    async () => {
      const mine = (await spansIn(collector.traces)).filter((s) => s.resource["service.name"] === service);
      const done = callers.every((c) =>
        mine.some((s) => s.traceId === c.traceId && s.name === "parmana.confirm"),
      );
      return done ? mine : undefined;
    },
    60_000,
  );
  for (const caller of callers) {
    const trace = spans.filter((s) => s.traceId === caller.traceId);
    const servers = trace.filter((s) => s.kind === SERVER);
    assert.equal(servers.length, 1, "one server span per execute");
    const server = servers[0] as ReceivedSpan;
    assert.equal(server.parentSpanId, caller.spanId, "the caller's traceparent is continued");
    assert.equal(server.name, "POST /execute");
    assert.equal(server.attributes["http.route"], "/execute");
    for (const step of [
      "parmana.reserve",
      "parmana.evaluate",
      "parmana.sign",
      "parmana.audit",
      "parmana.confirm",
    ]) {
      const span = trace.find((s) => s.name === step);
      assert.ok(span, `${step} in the trace`);
      assert.ok(descendsFrom(span, server.spanId, trace), `${step} beneath the server span`);
    }
    const redis = trace.filter((s) => s.kind === CLIENT && dbSystem(s) === "redis");
    const postgres = trace.filter((s) => s.kind === CLIENT && dbSystem(s) === "postgresql");
    assert.ok(redis.length > 0, "Redis client spans");
    assert.ok(postgres.length > 0, "Postgres client spans");
    for (const s of [...redis, ...postgres])
      assert.ok(descendsFrom(s, server.spanId, trace), `${s.name} beneath the server span`);
    const reserve = trace.find((s) => s.name === "parmana.reserve") as ReceivedSpan;
    assert.ok(
      redis.some((s) => descendsFrom(s, reserve.spanId, trace)),
      "the reservation's Redis call is a child of parmana.reserve",
    );
    const audit = trace.find((s) => s.name === "parmana.audit") as ReceivedSpan;
    assert.ok(
      postgres.some((s) => descendsFrom(s, audit.spanId, trace)),
      "the audit write's Postgres calls are children of parmana.audit",
    );
  }
  const stray = new Set(spans.filter((s) => s.name === "parmana.reserve").map((s) => s.traceId));
  for (const id of stray)
    assert.ok(traceIds.has(id) || id === replayCaller.traceId, "no other trace reserves");

  const db = connectPostgres({ connectionString: databaseUrl });
  t.after(() => db.close());
  const rows = await db.query<{ execution_id: string; trace_id: string | null }>(
    "select execution_id, trace_id from audit_decisions",
  );
  assert.deepEqual(
    Object.fromEntries(rows.map((r) => [r.execution_id, r.trace_id])),
    Object.fromEntries(ids.map((id, i) => [id, callers[i]?.traceId])),
    "each decision's audit row names its trace",
  );
  const events = await eventually("the replay_attempt event", async () => {
    const found = await db.query<{ trace_id: string | null }>(
      "select trace_id from audit_security_events where event_type = 'replay_attempt'",
    );
    return found.length > 0 ? found : undefined;
  });
  assert.deepEqual(events, [{ trace_id: replayCaller.traceId }], "the security event names its trace");
});
