// The transactional-outbox relay: claims undelivered records in id order, a batch at a time (src/outbox: FOR
// UPDATE SKIP LOCKED, so several replicas share the work), delivers them to a sink, and records the delivery
// in the same transaction. A failed delivery rolls back and is retried with exponential backoff,
// without limit: at-least-once, with the record's key (event_id, record_id) as the idempotency key, nothing
// lost. Each (stream, sink) pair is a channel with workers of its own: security events to every ExportSink,
// decision records to every DecisionSink.
import type { SqlClient } from "../audit/index.ts";
import type { SecurityEvent } from "../events/index.ts";
import {
  claimBatch,
  DECISION_RECORDS,
  markDelivered,
  pruneDelivered,
  SECURITY_EVENTS,
  type OutboxStream,
} from "../outbox/index.ts";
import { keepDecision, type DecisionRecord } from "./decisions/index.ts";
import { atLeast, type DecisionSink, type ExportSink } from "./sink.ts";
import type { SqlExecutor } from "../audit/index.ts";
import { inSpan } from "../tracing/index.ts";
import { sleep } from "../util/sleep.ts";

const FLOOR_RESET_MS = 5_000;
const PRUNE_EVERY_MS = 60_000;

export interface RelayObserver {
  delivered?(sink: string, count: number, stream: OutboxStream<unknown>["name"]): void;
  failed?(sink: string, error: unknown, stream: OutboxStream<unknown>["name"] | "prune"): void;
}

export interface RelayOptions {
  readonly db: SqlClient;
  /** Where security events go. */
  readonly sinks: readonly ExportSink[];
  /** Where decision records go (none: the decision outbox is not read). */
  readonly decisionSinks?: readonly DecisionSink[];
  readonly batchSize?: number;
  readonly idleMs?: number;
  readonly maxBackoffMs?: number;
  /**
   * Batches in flight per sink. SKIP LOCKED gives each worker different rows, so while one waits for the
   * destination's acknowledgement the next reads and renders; keys are unique, so no key's order is at stake.
   */
  readonly workersPerSink?: number;
  /**
   * Outbox rows every sink of their stream has had are deleted once older than this (the events stay in
   * audit_security_events, the decisions in audit_decisions); 0 keeps them. All replicas must configure the
   * same sinks.
   */
  readonly retainDeliveredMs?: number;
  readonly observer?: RelayObserver;
}

/** One stream to one sink: what the relay's workers read and where they send it. */
interface Channel {
  readonly sink: string;
  readonly stream: OutboxStream<unknown>;
  readonly target: ExportSink | DecisionSink;
  /** Delivers one claimed batch inside `tx`; returns how many records were sent. */
  deliver(
    tx: SqlExecutor,
    after: bigint,
    limit: number,
  ): Promise<{ settled: number; floor: bigint; sent: number }>;
}

function channel<T>(
  stream: OutboxStream<T>,
  target: ExportSink | DecisionSink,
  wants: (record: T) => boolean,
  send: (records: readonly T[]) => Promise<void>,
): Channel {
  return {
    sink: target.name,
    stream: stream,
    target,
    async deliver(tx, after, limit) {
      const claim = await claimBatch(tx, stream, target.name, after, limit);
      if (claim.fresh.length === 0) return { settled: claim.size, floor: claim.floor, sent: 0 };
      const wanted = claim.fresh.filter((r) => wants(r.record)).map((r) => r.record);
      if (wanted.length > 0)
        await inSpan("parmana.export", () => send(wanted), {
          "parmana.export.stream": stream.name,
          "parmana.export.sink": target.name,
          "parmana.export.records": wanted.length,
        });
      await markDelivered(
        tx,
        stream,
        target.name,
        claim.fresh.map((r) => ({ id: r.id, sent: wants(r.record) })),
      );
      return { settled: claim.size, floor: claim.floor, sent: wanted.length };
    },
  };
}

const eventChannel = (sink: ExportSink): Channel =>
  channel<SecurityEvent>(
    SECURITY_EVENTS,
    sink,
    (e) => atLeast(e, sink.minSeverity),
    (events) => sink.send(events),
  );

const decisionChannel = (sink: DecisionSink): Channel =>
  channel<DecisionRecord>(
    DECISION_RECORDS,
    sink,
    (r) => keepDecision(r, sink.decisionMode),
    (records) => sink.sendDecisions(records),
  );

export class OutboxRelay {
  readonly #options: Required<Omit<RelayOptions, "observer">> & { observer: RelayObserver };
  readonly #channels: readonly Channel[];
  readonly #stop = new AbortController();
  readonly #loops: Promise<void>[] = [];
  #stopped: Promise<void> | undefined;

  constructor(options: RelayOptions) {
    this.#options = {
      batchSize: 500,
      idleMs: 250,
      maxBackoffMs: 30_000,
      workersPerSink: 2,
      retainDeliveredMs: 3_600_000,
      observer: {},
      decisionSinks: [],
      ...options,
    };
    this.#channels = [
      ...this.#options.sinks.map(eventChannel),
      ...this.#options.decisionSinks.map(decisionChannel),
    ];
  }

  /**
   * Delivers one batch of security events to `sink` (or of decision records, with `stream`); returns how many
   * outbox rows it settled (0 when none were waiting).
   */
  async deliverBatch(
    sink: ExportSink | DecisionSink,
    stream: OutboxStream<unknown>["name"] = "security_events",
  ): Promise<number> {
    const found = this.#channels.find((c) => c.target === sink && c.stream.name === stream);
    if (!found) throw new Error(`${sink.name} is not a ${stream} sink of this relay`);
    return (await this.#deliver(found, 0n)).settled;
  }

  /**
   * One batch of the rows above `after` that `sink` has not had. Returns the id just below the batch: every
   * row up to it was delivered or locked by another worker when the batch was read, so a worker may start
   * its next read there instead of walking all delivered rows again.
   */
  async #deliver(channel: Channel, after: bigint): Promise<{ settled: number; floor: bigint }> {
    return this.#options.db.transaction(async (tx) => {
      const result = await channel.deliver(tx, after, this.#options.batchSize);
      if (result.settled > 0)
        this.#options.observer.delivered?.(channel.sink, result.sent, channel.stream.name);
      return result;
    });
  }

  /**
   * A worker reads from its floor, and from the start again whenever it fails or has read from its floor for
   * FLOOR_RESET_MS: rows another worker held and then released (its batch failed, its replica died), and rows
   * whose transaction committed after higher ids were delivered, are below every floor, and this is how they
   * are found. An idle worker keeps its floor: reading from the start on every idle poll walked every
   * delivered row still retained, a cost that grew for the retention's hour (found by the soak).
   */
  async #loop(channel: Channel): Promise<void> {
    let backoff = 100;
    let floor = 0n;
    let floorSince = Date.now();
    while (!this.#stop.signal.aborted) {
      try {
        if (Date.now() - floorSince > FLOOR_RESET_MS) floor = 0n;
        const from = floor;
        const result = await this.#deliver(channel, from);
        backoff = 100;
        if (from === 0n) floorSince = Date.now();
        floor = result.floor;
        if (result.settled > 0) continue;
        await sleep(this.#options.idleMs, this.#stop.signal);
      } catch (error) {
        floor = 0n;
        this.#options.observer.failed?.(channel.sink, error, channel.stream.name);
        await sleep(backoff, this.#stop.signal);
        backoff = Math.min(backoff * 2, this.#options.maxBackoffMs);
      }
    }
  }

  /**
   * Deletes up to `limit` outbox rows of each stream delivered to every sink of it and older than the
   * retention; returns how many.
   */
  async pruneDelivered(limit = 10_000): Promise<number> {
    let pruned = 0;
    for (const stream of [SECURITY_EVENTS, DECISION_RECORDS] as OutboxStream<unknown>[]) {
      const sinks = this.#channels.filter((c) => c.stream === stream).map((c) => c.sink);
      if (sinks.length > 0)
        pruned += await pruneDelivered(
          this.#options.db,
          stream,
          sinks,
          this.#options.retainDeliveredMs,
          limit,
        );
    }
    return pruned;
  }

  async #pruneLoop(): Promise<void> {
    const stopping = (): boolean => this.#stop.signal.aborted;
    while (!stopping()) {
      await sleep(PRUNE_EVERY_MS, this.#stop.signal);
      if (stopping()) return;
      try {
        while ((await this.pruneDelivered()) >= 10_000 && !stopping());
      } catch (error) {
        this.#options.observer.failed?.("prune", error, "prune");
      }
    }
  }

  start(): void {
    for (const c of this.#channels)
      for (let i = 0; i < this.#options.workersPerSink; i++) this.#loops.push(this.#loop(c));
    if (this.#options.retainDeliveredMs > 0 && this.#channels.length > 0) this.#loops.push(this.#pruneLoop());
  }

  /** Stops after the batches in flight; closes the sinks. Idempotent. */
  stop(): Promise<void> {
    this.#stopped ??= (async () => {
      this.#stop.abort();
      await Promise.all(this.#loops);
      // A destination that is both kinds of sink is closed once.
      await Promise.all([...new Set(this.#channels.map((c) => c.target))].map((t) => t.close()));
    })();
    return this.#stopped;
  }
}
