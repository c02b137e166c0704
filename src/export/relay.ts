// The transactional-outbox relay: reads undelivered events in id order, a batch at a time, locking the rows
// (FOR UPDATE SKIP LOCKED, so several replicas share the work), delivers them to a sink, and records the
// delivery in the same transaction. A failed delivery rolls back and is retried with exponential backoff,
// without limit: at-least-once, with event_id as the idempotency key, nothing lost.
import type { SqlClient } from "../audit/index.ts";
import type { SecurityEvent } from "../events/index.ts";
import { atLeast, type ExportSink } from "./sink.ts";

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
  readonly observer?: RelayObserver;
}

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });

export class OutboxRelay {
  readonly #options: Required<Omit<RelayOptions, "observer">> & { observer: RelayObserver };
  readonly #stop = new AbortController();
  readonly #loops: Promise<void>[] = [];
  #stopped: Promise<void> | undefined;

  constructor(options: RelayOptions) {
    this.#options = { batchSize: 500, idleMs: 250, maxBackoffMs: 30_000, observer: {}, ...options };
  }

  /** Delivers one batch to `sink`; returns how many outbox rows it settled (0 when none were waiting). */
  async deliverBatch(sink: ExportSink): Promise<number> {
    return this.#options.db.transaction(async (tx) => {
      const rows = await tx.query<{ id: string; envelope: SecurityEvent | string }>(
        `select o.id::text as id, o.envelope from security_event_outbox o
         where not exists (select 1 from security_event_deliveries d where d.outbox_id = o.id and d.sink = $1)
         order by o.id limit $2
         for update of o skip locked`,
        [sink.name, this.#options.batchSize],
      );
      if (rows.length === 0) return 0;
      const events = rows.map((r) =>
        typeof r.envelope === "string" ? (JSON.parse(r.envelope) as SecurityEvent) : r.envelope,
      );
      const wanted = events.filter((e) => atLeast(e, sink.minSeverity));
      if (wanted.length > 0) await sink.send(wanted);
      await tx.query(
        `insert into security_event_deliveries (outbox_id, sink, sent)
         select id, $2, sent from unnest($1::bigint[], $3::boolean[]) as t(id, sent)
         on conflict do nothing`,
        [rows.map((r) => r.id), sink.name, events.map((e) => atLeast(e, sink.minSeverity))],
      );
      this.#options.observer.delivered?.(sink.name, wanted.length);
      return rows.length;
    });
  }

  async #loop(sink: ExportSink): Promise<void> {
    let backoff = 100;
    while (!this.#stop.signal.aborted) {
      try {
        const settled = await this.deliverBatch(sink);
        backoff = 100;
        if (settled === 0) await sleep(this.#options.idleMs, this.#stop.signal);
      } catch (error) {
        this.#options.observer.failed?.(sink.name, error);
        await sleep(backoff, this.#stop.signal);
        backoff = Math.min(backoff * 2, this.#options.maxBackoffMs);
      }
    }
  }

  start(): void {
    for (const sink of this.#options.sinks) this.#loops.push(this.#loop(sink));
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

/** Undelivered rows and the age of the oldest, per sink (for the lag and pending gauges). */
export async function outboxBacklog(
  db: SqlClient,
  sink: string,
): Promise<{ pending: number; lagSeconds: number }> {
  const [row] = await db.query<{ pending: string; lag: number | string | null }>(
    `select count(*)::text as pending, extract(epoch from now() - min(o.created_at))::float8 as lag
     from security_event_outbox o
     where not exists (select 1 from security_event_deliveries d where d.outbox_id = o.id and d.sink = $1)`,
    [sink],
  );
  return { pending: Number(row?.pending ?? 0), lagSeconds: Number(row?.lag ?? 0) };
}
