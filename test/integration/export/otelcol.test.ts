// The server's security events through a real OpenTelemetry Collector (test/infra/otelcol: the upstream OTLP
// receiver and the contrib file exporter, built from the Go module proxy): every event arrives once, as a log
// record with its eventName, severity and attributes, read back from what the collector wrote.
import { test } from "node:test";
import assert from "node:assert/strict";
import { eventually } from "../../support/kube.ts";
import { logRecordsIn } from "../../support/otlp-receiver.ts";
import { raiseAllFive, startTestServer, storedAllFive } from "../../support/server.ts";
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
