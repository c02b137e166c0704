// Several relay workers (and replicas) on one outbox: each row is sent once. SKIP LOCKED alone does not give
// that: a worker whose read began before another committed a batch can lock those rows a moment later, once
// released, and its read still shows them undelivered; the relay checks the deliveries again after locking.
import { test } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { OutboxRelay, type ExportSink } from "../../../src/export/index.ts";
import type { SecurityEvent } from "../../../src/events/index.ts";
import { eventually } from "../../support/kube.ts";
import { outboxDatabase, raiseIntoOutbox } from "../../support/outbox.ts";

test("export: four workers in each of two relays on one outbox send every row exactly once", async (t) => {
  const db = await outboxDatabase(t);
  const sent = new Map<string, number>();
  const sink: ExportSink = {
    name: "recorder",
    minSeverity: "low",
    async send(events: readonly SecurityEvent[]): Promise<void> {
      await sleep(3); // an acknowledgement takes a moment, as a broker's does
      for (const e of events) sent.set(e.event_id, (sent.get(e.event_id) ?? 0) + 1);
    },
    close: () => Promise.resolve(),
  };
  const relays = [0, 1].map(
    () => new OutboxRelay({ db, sinks: [sink], batchSize: 50, idleMs: 10, workersPerSink: 4 }),
  );
  for (const relay of relays) relay.start();
  t.after(() => Promise.all(relays.map((r) => r.stop())));
  for (let i = 0; i < 8; i++) await raiseIntoOutbox(db, 500);
  await eventually(
    "all 4,000 rows to be sent",
    () => Promise.resolve(sent.size === 4_000 ? true : undefined),
    60_000,
  );
  await sleep(500);
  const twice = [...sent.values()].filter((n) => n > 1).length;
  assert.equal(twice, 0, `${String(twice)} events were sent more than once`);
});
