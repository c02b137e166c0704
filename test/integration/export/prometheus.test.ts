// A real Prometheus server scrapes the governance server; its query of parmana_security_events_total by type
// and severity equals what /audit/security reports.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eventually } from "../../support/kube.ts";
import { freePort } from "../../support/private-services.ts";
import { executeBody, get, post, startTestServer, uniqueId } from "../../support/server.ts";
import type { SecuritySummaryRow } from "../../../src/client/index.ts";

const PROMETHEUS = "/usr/bin/prometheus";

test("prometheus: a real Prometheus scrape of parmana_security_events_total equals the counts in /audit/security", async (t) => {
  const s = await startTestServer(t, { env: { PARMANA_RATE_LIMIT_EXECUTE: "3" } });
  const id = uniqueId();
  for (let i = 0; i < 3; i++)
    await post(`${s.url}/execute`, s.files.keys.executor, executeBody(id, { amount: 1_000 + i }));
  for (let i = 0; i < 4; i++) await post(`${s.url}/execute`, undefined, executeBody(uniqueId()));
  await post(`${s.url}/execute`, s.files.keys.executor, executeBody(uniqueId()));

  const dir = await mkdtemp(join(tmpdir(), "parmana-prometheus-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const target = new URL(s.server.metricsUrl).host;
  await writeFile(
    join(dir, "prometheus.yml"),
    `global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: parmana\n    static_configs:\n      - targets: ["${target}"]\n`,
  );
  const port = await freePort();
  const prometheus = spawn(
    PROMETHEUS,
    [
      `--config.file=${join(dir, "prometheus.yml")}`,
      `--storage.tsdb.path=${join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${String(port)}`,
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let promLog = "";
  prometheus.stderr.on("data", (chunk: Buffer) => (promLog = (promLog + chunk.toString()).slice(-4000)));
  t.after(() => {
    prometheus.kill("SIGTERM");
  });

  const audit = await eventually("the events to be stored", async () => {
    const rows = (await get(`${s.url}/audit/security`, s.files.keys.auditor)).body as SecuritySummaryRow[];
    const types = new Set(rows.map((r) => r.event_type));
    return types.has("replay_attempt") && types.has("unauthorized_access") && types.has("rate_limit_exceeded")
      ? rows
      : undefined;
  });
  let expected: Record<string, number> = Object.fromEntries(
    audit.map((r) => [`${r.event_type}/${r.severity}`, Number(r.event_count)]),
  );
  const query = encodeURIComponent("sum by (event_type, severity) (parmana_security_events_total)");
  let lastSeen: Record<string, number> = {};
  const scraped = await eventually<Record<string, number>>(
    `Prometheus to scrape counts equal to the audit`,
    async () => {
      const response = await fetch(`http://127.0.0.1:${String(port)}/api/v1/query?query=${query}`);
      const body = (await response.json()) as {
        data: { result: { metric: Record<string, string>; value: [number, string] }[] };
      };
      const got = Object.fromEntries(
        body.data.result.map((r) => [
          `${r.metric["event_type"] ?? ""}/${r.metric["severity"] ?? ""}`,
          Number(r.value[1]),
        ]),
      );
      lastSeen = got;
      // Coalesced occurrences reach the audit table a window later: compare with its latest counts.
      const rows = (await get(`${s.url}/audit/security`, s.files.keys.auditor)).body as SecuritySummaryRow[];
      expected = Object.fromEntries(
        rows.map((r) => [`${r.event_type}/${r.severity}`, Number(r.event_count)]),
      );
      const same =
        Object.keys(got).length === Object.keys(expected).length &&
        Object.entries(expected).every(([k, v]) => got[k] === v);
      return same ? got : undefined;
    },
    60_000,
    1_000,
  ).catch((error: unknown) => {
    throw new Error(
      `${String(error)}\nexpected ${JSON.stringify(expected)}, Prometheus has ${JSON.stringify(lastSeen)}\nprometheus log: ${promLog}`,
    );
  });
  assert.deepEqual(scraped, expected, promLog);
});
