// The transactional-outbox relay: claims undelivered events in id order, a batch at a time (src/outbox: FOR
// UPDATE SKIP LOCKED, so several replicas share the work), delivers them to a sink, and records the delivery
// in the same transaction. A failed delivery rolls back and is retried with exponential backoff,
// without limit: at-least-once, with event_id as the idempotency key, nothing lost.
import type { SqlClient } from "../audit/index.ts";
import { claimBatch, markDelivered, pruneDelivered } from "../outbox/index.ts";
import { atLeast, type ExportSink } from "./sink.ts";
import { sleep } from "../util/sleep.ts";

const FLOOR_RESET_MS = 5_000;
const PRUNE_EVERY_MS = 60_000;

export interface RelayObserver {
  delivered?(sink: string, count: number): void;
  failed?(sink: string, error: unknown): void;
}

export interface RelayOptions {
  readonly db: SqlClient;
  readonly sinks: readonly ExportSink[];
  readonly batchSize?: number;
  readonly idleMs?: number;
  readonly maxBackoffMs?: number;
  /**
   * Batches in flight per sink. SKIP LOCKED gives each worker different rows, so while one waits for the
   * destination's acknowledgement the next reads and renders; keys are unique event_ids, so no key's order
   * is at stake.
   */
  readonly workersPerSink?: number;
  /**
   * Outbox rows every sink of this relay has had are deleted once older than this (the events stay in
   * audit_security_events); 0 keeps them. All replicas must configure the same sinks.
   */
  readonly retainDeliveredMs?: number;
  readonly observer?: RelayObserver;
}

export class OutboxRelay {
  readonly #options: Required<Omit<RelayOptions, "observer">> & { observer: RelayObserver };
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
      ...options,
    };
  }

  /** Delivers one batch to `sink`; returns how many outbox rows it settled (0 when none were waiting). */
  async deliverBatch(sink: ExportSink): Promise<number> {
    return (await this.#deliver(sink, 0n)).settled;
  }

  /**
   * One batch of the rows above `after` that `sink` has not had. Returns the id just below the batch: every
   * row up to it was delivered or locked by another worker when the batch was read, so a worker may start
   * its next read there instead of walking all delivered rows again.
   */
  async #deliver(sink: ExportSink, after: bigint): Promise<{ settled: number; floor: bigint }> {
    return this.#options.db.transaction(async (tx) => {
      const claim = await claimBatch(tx, sink.name, after, this.#options.batchSize);
      if (claim.fresh.length === 0) return { settled: claim.size, floor: claim.floor };
      const wanted = claim.fresh.filter((r) => atLeast(r.event, sink.minSeverity)).map((r) => r.event);
      if (wanted.length > 0) await sink.send(wanted);
      await markDelivered(
        tx,
        sink.name,
        claim.fresh.map((r) => ({ id: r.id, sent: atLeast(r.event, sink.minSeverity) })),
      );
      this.#options.observer.delivered?.(sink.name, wanted.length);
      return { settled: claim.size, floor: claim.floor };
    });
  }

  /**
   * A worker reads from its floor, and from the start again whenever it fails or has read from its floor for
   * FLOOR_RESET_MS: rows another worker held and then released (its batch failed, its replica died), and rows
   * whose transaction committed after higher ids were delivered, are below every floor, and this is how they
   * are found. An idle worker keeps its floor: reading from the start on every idle poll walked every
   * delivered row still retained, a cost that grew for the retention's hour (found by the soak).
   */
  async #loop(sink: ExportSink): Promise<void> {
    let backoff = 100;
    let floor = 0n;
    let floorSince = Date.now();
    while (!this.#stop.signal.aborted) {
      try {
        if (Date.now() - floorSince > FLOOR_RESET_MS) floor = 0n;
        const from = floor;
        const result = await this.#deliver(sink, from);
        backoff = 100;
        if (from === 0n) floorSince = Date.now();
        floor = result.floor;
        if (result.settled > 0) continue;
        await sleep(this.#options.idleMs, this.#stop.signal);
      } catch (error) {
        floor = 0n;
        this.#options.observer.failed?.(sink.name, error);
        await sleep(backoff, this.#stop.signal);
        backoff = Math.min(backoff * 2, this.#options.maxBackoffMs);
      }
    }
  }

  /** Deletes up to `limit` outbox rows delivered to every sink and older than the retention; returns how many. */
  async pruneDelivered(limit = 10_000): Promise<number> {
    return pruneDelivered(
      this.#options.db,
      this.#options.sinks.map((s) => s.name),
      this.#options.retainDeliveredMs,
      limit,
    );
  }

  async #pruneLoop(): Promise<void> {
    const stopping = (): boolean => this.#stop.signal.aborted;
    while (!stopping()) {
      await sleep(PRUNE_EVERY_MS, this.#stop.signal);
      if (stopping()) return;
      try {
        while ((await this.pruneDelivered()) === 10_000 && !stopping());
      } catch (error) {
        this.#options.observer.failed?.("prune", error);
      }
    }
  }

  start(): void {
    for (const sink of this.#options.sinks)
      for (let i = 0; i < this.#options.workersPerSink; i++) this.#loops.push(this.#loop(sink));
    if (this.#options.retainDeliveredMs > 0 && this.#options.sinks.length > 0)
      this.#loops.push(this.#pruneLoop());
  }

  /** Stops after the batches in flight; closes the sinks. Idempotent. */
  stop(): Promise<void> {
    this.#stopped ??= (async () => {
      this.#stop.abort();
      await Promise.all(this.#loops);
      await Promise.all(this.#options.sinks.map((s) => s.close()));
    })();
    return this.#stopped;
  }
}
