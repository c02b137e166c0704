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

export async function createTopic(kafka: KafkaService, topic: string, partitions = 3): Promise<void> {
  const admin = kafkaClient(`admin-${randomUUID()}`, kafka).admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
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
