// audit_api_access rows, batched: a request never waits for its access row, and a burst is a few INSERTs of
// up to BATCH rows. The buffer is drained as fast as Postgres takes it (a flush writes batch after batch until
// it is empty, and a full batch starts one at once); only while Postgres is unreachable does it fill, up to
// `limit` rows, beyond which rows are dropped and counted.
import type { ApiAccessRecord, AuditStore } from "../audit/index.ts";

const BATCH = 1_000;

export class ApiAccessLog {
  readonly #audit: Pick<AuditStore, "recordApiAccess">;
  readonly #buffer: ApiAccessRecord[] = [];
  readonly #limit: number;
  readonly #timer: NodeJS.Timeout;
  readonly #onDrop: (count: number) => void;
  #flushing: Promise<void> | undefined;

  constructor(
    audit: Pick<AuditStore, "recordApiAccess">,
    onDrop: (count: number) => void,
    options: { intervalMs?: number; limit?: number } = {},
  ) {
    this.#audit = audit;
    this.#onDrop = onDrop;
    this.#limit = options.limit ?? 10_000;
    this.#timer = setInterval(() => void this.flush(), options.intervalMs ?? 1_000);
    this.#timer.unref();
  }

  get pending(): number {
    return this.#buffer.length;
  }

  record(entry: ApiAccessRecord): void {
    if (this.#buffer.length >= this.#limit) {
      this.#onDrop(1);
      return;
    }
    this.#buffer.push(entry);
    if (this.#buffer.length >= BATCH) void this.flush();
  }

  /** Writes what is buffered, batch after batch; on failure the rows stay buffered for the next attempt. */
  flush(): Promise<void> {
    this.#flushing ??= this.#drain().finally(() => {
      this.#flushing = undefined;
    });
    return this.#flushing;
  }

  async #drain(): Promise<void> {
    while (this.#buffer.length > 0) {
      const batch = this.#buffer.splice(0, BATCH);
      try {
        await this.#audit.recordApiAccess(batch);
      } catch {
        const room = this.#limit - this.#buffer.length;
        this.#buffer.unshift(...batch.slice(0, Math.max(0, room)));
        if (batch.length > room) this.#onDrop(batch.length - Math.max(0, room));
        return;
      }
    }
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.flush();
  }
}
