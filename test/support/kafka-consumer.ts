// Reads a Kafka topic from the beginning and collects records by key, for export tests.
import { randomUUID } from "node:crypto";
import type { TestContext } from "node:test";
import type { Consumer, IHeaders } from "kafkajs";
import { kafkaClient } from "./clients.ts";
import type { KafkaService } from "./services.ts";

export interface ConsumedRecord {
  readonly key: string;
  readonly value: string;
  readonly headers: Readonly<Record<string, string>>;
}

export interface TopicReader {
  /** Every record read so far, in arrival order (duplicates included). */
  readonly records: readonly ConsumedRecord[];
  /** Distinct keys read so far. */
  keys(): Set<string>;
  /** Leaves the group; call it while the broker is still up. */
  close(): Promise<void>;
}

function headersOf(headers: IHeaders | undefined): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers ?? {}).map(([k, v]) => [k, Buffer.isBuffer(v) ? v.toString() : String(v)]),
  );
}

/**
 * Creates a topic and waits until every partition has a leader. kafkajs's own `waitForLeaders` gives up on the
 * first UNKNOWN_TOPIC_OR_PARTITION a broker answers before the new topic's metadata reached it (retriable,
 * but only LEADER_NOT_AVAILABLE is retried there), which a broker just started answers now and then; so the
 * wait is here, on the topic's metadata, retrying every retriable error until a deadline.
 */
export async function createTopic(kafka: KafkaService, topic: string, partitions = 3): Promise<void> {
  const admin = kafkaClient(`admin-${randomUUID()}`, kafka).admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: partitions }] });
    const deadline = Date.now() + 30_000;
    for (;;) {
      const led = await admin.fetchTopicMetadata({ topics: [topic] }).then(
        ({ topics }) =>
          topics[0]?.partitions.length === partitions && topics[0].partitions.every((p) => p.leader >= 0),
        (error: unknown) => {
          if ((error as { retriable?: boolean }).retriable === true) return false;
          throw error;
        },
      );
      if (led) return;
      if (Date.now() > deadline) throw new Error(`topic ${topic}: no leader for every partition in 30 s`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    await admin.disconnect();
  }
}

export async function readTopic(t: TestContext, kafka: KafkaService, topic: string): Promise<TopicReader> {
  const consumer: Consumer = kafkaClient(`reader-${randomUUID()}`, kafka).consumer({
    groupId: `reader-${randomUUID()}`,
  });
  const records: ConsumedRecord[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: ({ message }) => {
      records.push({
        key: message.key?.toString() ?? "",
        value: message.value?.toString() ?? "",
        headers: headersOf(message.headers),
      });
      return Promise.resolve();
    },
  });
  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => (closed ??= consumer.disconnect().catch(() => undefined));
  t.after(close);
  return { records, keys: () => new Set(records.map((r) => r.key)), close };
}
