import { test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { Partitioners, type Consumer } from "kafkajs";
import { kafkaClient } from "../../support/clients.ts";
import { createTopic } from "../../support/kafka-consumer.ts";
import { kafkaService, usingService } from "../../support/services.ts";

const kafka = kafkaService();
const RECORDS = 1_000;

async function readExactly(
  consumer: Consumer,
  topic: string,
  expected: number,
): Promise<Map<string, string>> {
  const seen = new Map<string, string>();
  let duplicates = 0;
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`read ${String(seen.size)} of ${String(expected)} records within 60 s`));
    }, 60_000);
    consumer
      .run({
        eachMessage: ({ message }) => {
          const key = message.key?.toString() ?? "";
          if (seen.has(key)) duplicates += 1;
          seen.set(key, message.value?.toString() ?? "");
          if (seen.size === expected) {
            clearTimeout(timer);
            resolve();
          }
          return Promise.resolve();
        },
      })
      .catch((error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      });
  });
  assert.equal(duplicates, 0, "no record may be read twice");
  return seen;
}

test("kafka: an idempotent acks=all producer writes 1,000 keyed records and a consumer group reads exactly those", async () => {
  const client = kafkaClient(`infra-test-${randomUUID()}`, kafka);
  const topic = `infra-test-${randomUUID()}`;
  const admin = client.admin();
  const producer = client.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  const consumer = client.consumer({ groupId: `infra-test-${randomUUID()}` });
  try {
    await usingService(kafka, async () => {
      await admin.connect();
      await createTopic(kafka, topic, 3);

      const sent = new Map<string, string>();
      for (let i = 0; i < RECORDS; i++) sent.set(`key-${String(i)}`, JSON.stringify({ n: i }));
      await producer.connect();
      const entries = [...sent.entries()];
      for (let i = 0; i < entries.length; i += 100) {
        const batch = entries.slice(i, i + 100).map(([key, value]) => ({ key, value }));
        const acks = await producer.send({ topic, acks: -1, messages: batch });
        assert.ok(acks.every((a) => a.errorCode === 0));
      }

      const offsets = await admin.fetchTopicOffsets(topic);
      const total = offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
      assert.equal(total, RECORDS, "the broker holds exactly the records written");

      await consumer.connect();
      const received = await readExactly(consumer, topic, RECORDS);
      assert.deepEqual(received, sent);
    });
  } finally {
    await consumer.disconnect().catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  }
});
