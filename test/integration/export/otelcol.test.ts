// The server's security events and decision records through a real OpenTelemetry Collector (test/infra/otelcol:
// the upstream OTLP receiver and the contrib file exporter, built from the Go module proxy): every record
// arrives once, as a log record with its eventName and attributes, read back from what the collector wrote.
import { test } from "node:test";
import assert from "node:assert/strict";
import { eventually } from "../../support/kube.ts";
import { logRecordsIn } from "../../support/otlp-receiver.ts";
import {
  executeBody,
  post,
  raiseAllFive,
  REVIEW_SIGNALS,
  startTestServer,
  storedAllFive,
  uniqueId,
} from "../../support/server.ts";
import { otelCollectorService } from "../../support/services.ts";

test("otelcol: every security event reaches a real OpenTelemetry Collector once, with its event name and attributes", async (t) => {
  const collector = otelCollectorService();
  const s = await startTestServer(t, {
    env: { PARMANA_EXPORT_OTLP_ENDPOINT: collector.logsUrl, PARMANA_RATE_LIMIT_EXECUTE: "4" },
  });
  await raiseAllFive(s.url, s.files.keys);
  const stored = await storedAllFive(s);
  const ids = new Set(stored.map((e) => String(e["event_id"])));
  const mine = await eventually(
    "every stored event in the collector's output",
    async () => {
      const records = (await logRecordsIn(collector.logs)).filter((r) =>
        ids.has(String(r.attributes["parmana.event_id"])),
      );
      const seen = new Set(records.map((r) => String(r.attributes["parmana.event_id"])));
      return seen.size === ids.size ? records : undefined;
    },
    60_000,
  );
  assert.equal(mine.length, stored.length, "each event exactly once");
  for (const event of stored) {
    const record = mine.find((r) => r.attributes["parmana.event_id"] === event["event_id"]);
    assert.ok(record);
    assert.equal(record.eventName, `parmana.${String(event["event_type"])}`);
    assert.equal(record.scope, "parmana.security-events");
    assert.equal(record.attributes["security_rule.name"], event["event_type"]);
    assert.equal(record.resource["service.name"], "parmana-governance-server");
  }
});

test("otelcol: decision records reach a real OpenTelemetry Collector as parmana.decision log records, allowlisted signals only", async (t) => {
  const collector = otelCollectorService();
  const s = await startTestServer(t, {
    env: {
      PARMANA_EXPORT_OTLP_ENDPOINT: collector.logsUrl,
      PARMANA_EXPORT_OTLP_DECISIONS_MODE: "all",
      PARMANA_EXPORT_DECISIONS_SIGNALS: "country",
    },
  });
  const outcomes = [{}, { flagged: true }, REVIEW_SIGNALS];
  const ids = outcomes.map(() => uniqueId("otel"));
  for (const [i, signals] of outcomes.entries()) {
    const r = await post(`${s.url}/execute`, s.files.keys.executor, executeBody(ids[i] ?? "", signals));
    assert.equal(r.status, 200);
  }
  const mine = await eventually(
    "a decision record per execute in the collector's output",
    async () => {
      const records = (await logRecordsIn(collector.logs)).filter((r) =>
        ids.includes(String(r.attributes["parmana.execution_id"])),
      );
      return records.length >= ids.length ? records : undefined;
    },
    60_000,
  );
  assert.equal(mine.length, ids.length, "each decision exactly once");
  const byId = new Map(mine.map((r) => [String(r.attributes["parmana.execution_id"]), r]));
  assert.deepEqual(
    ids.map((id) => byId.get(id)?.attributes["security_rule.name"]),
    ["default", "flagged", "large"],
  );
  for (const record of mine) {
    assert.equal(record.eventName, "parmana.decision");
    assert.equal(record.scope, "parmana.decisions");
    assert.deepEqual(Object.keys(JSON.parse(String(record.attributes["parmana.signals"])) as object), [
      "country",
    ]);
    assert.equal(record.attributes["security_rule.ruleset.name"], "loan-approval");
  }
});
