// Reads a topic with Kafka's own ConsoleConsumer (Java, from the broker's classpath), so what the export tests
// check is what any consumer sees on the wire, not what kafkajs hands back.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { KafkaService } from "./services.ts";

const run = promisify(execFile);

export interface WireRecord {
  readonly key: string;
  readonly value: string;
  readonly headers: Readonly<Record<string, string>>;
}

const FIELD = "\u001f";
const HEADER = "\u001e";

/** Consumes `count` records from the start of `topic` (or fails after `timeoutMs` with what it read). */
export async function consumeWithKafkaTools(
  kafka: KafkaService,
  topic: string,
  count: number,
  timeoutMs = 60_000,
): Promise<WireRecord[]> {
  const args = [
    "-Xmx256m",
    "-cp",
    kafka.classpath,
    "org.apache.kafka.tools.consumer.ConsoleConsumer",
    "--bootstrap-server",
    kafka.brokers.join(","),
    "--topic",
    topic,
    "--from-beginning",
    "--max-messages",
    String(count),
    "--timeout-ms",
    String(timeoutMs),
    "--property",
    "print.key=true",
    "--property",
    "print.headers=true",
    "--property",
    `key.separator=${FIELD}`,
    "--property",
    `headers.separator=${HEADER}`,
  ];
  let stdout: string;
  try {
    ({ stdout } = await run("java", args, { maxBuffer: 64 * 1024 * 1024, timeout: timeoutMs + 30_000 }));
  } catch (error) {
    const { stdout: partial = "", stderr = "" } = error as { stdout?: string; stderr?: string };
    throw new Error(
      `Kafka's ConsoleConsumer read ${String(partial.split("\n").filter(Boolean).length)} of ${String(count)} records from ${topic}: ${stderr.slice(-2000)}`,
      { cause: error },
    );
  }
  return stdout
    .split("\n")
    .filter((line) => line !== "")
    .map((line): WireRecord => {
      // headers FIELD key FIELD value (the headers part uses the same separator as the key).
      const [headers = "", key = "", ...value] = line.split(FIELD);
      return {
        key,
        value: value.join(FIELD),
        headers: Object.fromEntries(
          headers.split(HEADER).map((h) => {
            const at = h.indexOf(":");
            return [h.slice(0, at), h.slice(at + 1)];
          }),
        ),
      };
    });
}
