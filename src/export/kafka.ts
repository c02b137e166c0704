// The Kafka sink: idempotent producer, acks=all, gzip, key = event_id, headers naming type, severity and
// schema; decision records (when a decisions topic is configured) to their own topic, keyed by executionId so
// a decision and its override share a partition, in order. A failed send drops the producer so that the next
// attempt reconnects from scratch.
import { CompressionTypes, Kafka, logLevel, type Message, type Producer, type SASLOptions } from "kafkajs";
import type { SecurityEvent, Severity } from "../events/index.ts";
import type { KafkaExportConfig } from "./config.ts";
import type { DecisionMode, DecisionRecord } from "./decisions/index.ts";
import { renderDecision, renderEvent } from "./formats/index.ts";
import type { DecisionSink, ExportSink } from "./sink.ts";

function sasl(config: KafkaExportConfig): SASLOptions | undefined {
  if (!config.sasl) return undefined;
  const { mechanism, username, password } = config.sasl;
  return { mechanism, username, password };
}

export class KafkaSink implements ExportSink, DecisionSink {
  readonly name = "kafka";
  readonly minSeverity: Severity;
  /** All when no decisions topic is configured: then the server gives this sink no decision records. */
  readonly decisionMode: DecisionMode;
  readonly #config: KafkaExportConfig;
  readonly #kafka: Kafka;
  #producer: Promise<Producer> | undefined;

  constructor(config: KafkaExportConfig) {
    this.#config = config;
    this.minSeverity = config.minSeverity;
    this.decisionMode = config.decisions?.mode ?? { kind: "all" };
    const auth = sasl(config);
    this.#kafka = new Kafka({
      clientId: config.clientId,
      brokers: [...config.brokers],
      connectionTimeout: 5_000,
      requestTimeout: 15_000,
      retry: { retries: 2, initialRetryTime: 200 },
      // Failures surface as rejected sends, which the relay counts, logs and retries.
      logLevel: logLevel.NOTHING,
      ...(config.tls && { ssl: { ...config.tls } }),
      ...(auth && { sasl: auth }),
    });
  }

  /** One producer per sink, even when several relay workers send at once: they share its connection. */
  #connected(): Promise<Producer> {
    if (this.#producer) return this.#producer;
    const connecting = (async () => {
      const producer = this.#kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
      });
      await producer.connect();
      return producer;
    })();
    this.#producer = connecting;
    // A failed connection is not kept: the next send tries again.
    connecting.catch(() => {
      if (this.#producer === connecting) this.#producer = undefined;
    });
    return connecting;
  }

  send(events: readonly SecurityEvent[]): Promise<void> {
    return this.#produce(
      this.#config.topic,
      events.map((event) => {
        const rendered = renderEvent(event, this.#config.format);
        return {
          key: event.event_id,
          value: rendered.value,
          headers: {
            event_type: event.event_type,
            severity: event.severity,
            "content-type": rendered.contentType,
            schema: rendered.schema,
          },
        };
      }),
    );
  }

  sendDecisions(records: readonly DecisionRecord[]): Promise<void> {
    const decisions = this.#config.decisions;
    if (!decisions) return Promise.reject(new Error("no PARMANA_EXPORT_KAFKA_DECISIONS_TOPIC is configured"));
    return this.#produce(
      decisions.topic,
      records.map((record) => {
        const rendered = renderDecision(record, decisions.format);
        return {
          key: record.execution_id,
          value: rendered.value,
          headers: {
            record_type: record.record_type,
            record_id: record.record_id,
            action: record.decision.action,
            "content-type": rendered.contentType,
            schema: rendered.schema,
          },
        };
      }),
    );
  }

  async #produce(topic: string, messages: Message[]): Promise<void> {
    const connecting = this.#connected();
    const producer = await connecting;
    try {
      await producer.send({ topic, acks: -1, compression: CompressionTypes.GZIP, messages });
    } catch (error) {
      // Drop this producer (unless another worker already did) so that the next send reconnects from scratch.
      if (this.#producer === connecting) this.#producer = undefined;
      await producer.disconnect().catch(() => undefined);
      throw error;
    }
  }

  async close(): Promise<void> {
    const connecting = this.#producer;
    this.#producer = undefined;
    const producer = await connecting?.catch(() => undefined);
    await producer?.disconnect().catch(() => undefined);
  }
}
