// The kinds of record that travel through the transactional outbox, each in its own pair of tables: the
// outbox (one row a record, keyed by the record's idempotency key) and its deliveries (one row a sink that
// has had it). The table names are constants of this file, never input.
import type { SecurityEvent } from "../events/index.ts";
import type { DecisionRecord } from "../export/decisions/record.ts";

export interface OutboxStream<T> {
  /** The metrics' `stream` label. */
  readonly name: "security_events" | "decisions";
  readonly outbox: string;
  readonly deliveries: string;
  /** The column holding the record's idempotency key, and its SQL type. */
  readonly keyColumn: string;
  readonly keyType: "uuid" | "text";
  /** The column holding the record itself (jsonb). */
  readonly recordColumn: string;
  keyOf(record: T): string;
}

export const SECURITY_EVENTS: OutboxStream<SecurityEvent> = {
  name: "security_events",
  outbox: "security_event_outbox",
  deliveries: "security_event_deliveries",
  keyColumn: "event_id",
  keyType: "uuid",
  recordColumn: "envelope",
  keyOf: (e) => e.event_id,
};

export const DECISION_RECORDS: OutboxStream<DecisionRecord> = {
  name: "decisions",
  outbox: "decision_outbox",
  deliveries: "decision_deliveries",
  keyColumn: "record_id",
  keyType: "text",
  recordColumn: "record",
  keyOf: (r) => r.record_id,
};
