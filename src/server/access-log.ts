// audit_api_access rows, batched: a request never waits for its access row, and a burst is one INSERT.
import type { ApiAccessRecord, AuditStore } from "../audit/index.ts";

export class ApiAccessLog {
  readonly #audit: AuditStore;
  readonly #buffer: ApiAccessRecord[] = [];
  readonly #limit: number;
  readonly #timer: NodeJS.Timeout;
  readonly #onDrop: (count: number) => void;
  #flushing: Promise<void> | undefined;

  constructor(
    audit: AuditStore,
    onDrop: (count: number) => void,
    options: { intervalMs?: number; limit?: number } = {},
  ) {
    this.#audit = audit;
    this.#onDrop = onDrop;
    this.#limit = options.limit ?? 10_000;
    this.#timer = setInterval(() => void this.flush(), options.intervalMs ?? 1_000);
    this.#timer.unref();
  }

  record(entry: ApiAccessRecord): void {
    if (this.#buffer.length >= this.#limit) {
      this.#onDrop(1);
      return;
    }
    this.#buffer.push(entry);
  }

  /** Writes what is buffered; on failure the rows stay buffered for the next attempt. */
  flush(): Promise<void> {
    if (this.#flushing || this.#buffer.length === 0) return this.#flushing ?? Promise.resolve();
    const batch = this.#buffer.splice(0, 1_000);
    this.#flushing = this.#audit
      .recordApiAccess(batch)
      .catch(() => {
        const room = this.#limit - this.#buffer.length;
        this.#buffer.unshift(...batch.slice(0, Math.max(0, room)));
        if (batch.length > room) this.#onDrop(batch.length - Math.max(0, room));
      })
      .finally(() => {
        this.#flushing = undefined;
      });
    return this.#flushing;
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.flush();
  }
}
