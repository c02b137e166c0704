// The in-process path of security events: raise (never throws, never blocks the request) → coalesce floods
// into rows whose `occurrences` keeps the exact count → a bounded spool → every sink, retried with backoff
// while a sink is down. Overflow is counted and logged, never silent.
import {
  SEVERITY_OF,
  buildSecurityEvent,
  type EventSource,
  type RaiseInput,
  type SecurityEvent,
  type SecurityEventType,
  type Severity,
} from "./envelope.ts";

export interface SecurityEventSink {
  readonly name: string;
  /** Stores or delivers a batch; rejects to have the whole batch retried later. */
  write(events: readonly SecurityEvent[]): Promise<void>;
}

export interface EventBusObserver {
  /** Called at raise time with the number of occurrences (before coalescing), for counters. */
  raised?(type: SecurityEventType, severity: Severity, occurrences: number): void;
  /** Events that could not be kept (spool full). */
  dropped?(count: number, reason: string): void;
  /** A sink failed; the batch stays spooled. */
  sinkFailed?(sink: string, error: unknown): void;
}

export interface EventBusOptions {
  readonly source: EventSource;
  /**
   * Where events go, in order. A batch is retried from the first sink when any fails, so sinks must be
   * idempotent by event_id; the durable one (the audit store with its outbox) fans out to the rest.
   */
  readonly sinks: readonly SecurityEventSink[];
  /** Events of one type from one client within this window share one row. 0 disables coalescing. */
  readonly coalesceWindowMs?: number;
  /** Most events held while sinks are unreachable. */
  readonly spoolLimit?: number;
  readonly batchSize?: number;
  readonly observer?: EventBusObserver;
}

interface Window {
  readonly timer: NodeJS.Timeout;
  count: number;
  last?: RaiseInput;
}

const MAX_BACKOFF_MS = 5_000;

export class SecurityEventBus {
  readonly #options: Required<Omit<EventBusOptions, "observer">> & { observer: EventBusObserver };
  readonly #windows = new Map<string, Window>();
  readonly #spool: SecurityEvent[] = [];
  #draining: Promise<void> | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #backoffMs = 100;
  #closed = false;

  constructor(options: EventBusOptions) {
    this.#options = {
      coalesceWindowMs: 1_000,
      spoolLimit: 100_000,
      batchSize: 500,
      observer: {},
      ...options,
    };
  }

  /** Records a security event. Synchronous and exception-free: telemetry never hurts the request. */
  raise(input: RaiseInput): void {
    const occurrences = input.occurrences ?? 1;
    this.#options.observer.raised?.(input.type, SEVERITY_OF[input.type], occurrences);
    const window = this.#options.coalesceWindowMs;
    if (window <= 0 || this.#closed) {
      this.#enqueue(input);
      return;
    }
    const key = `${input.type}\u0000${input.actor?.apiKeyId ?? input.actor?.clientIp ?? "-"}`;
    const open = this.#windows.get(key);
    if (open) {
      open.count += occurrences;
      open.last = input;
      return;
    }
    this.#enqueue(input);
    const timer = setTimeout(() => {
      this.#closeWindow(key);
    }, window);
    timer.unref();
    this.#windows.set(key, { timer, count: 0 });
  }

  #closeWindow(key: string): void {
    const window = this.#windows.get(key);
    if (!window) return;
    clearTimeout(window.timer);
    this.#windows.delete(key);
    if (window.count > 0 && window.last) {
      this.#enqueue({
        ...window.last,
        occurrences: window.count,
        details: { ...window.last.details, coalesced: true },
      });
    }
  }

  #enqueue(input: RaiseInput): void {
    if (this.#spool.length >= this.#options.spoolLimit) {
      this.#options.observer.dropped?.(input.occurrences ?? 1, "spool full");
      return;
    }
    this.#spool.push(buildSecurityEvent(input, this.#options.source));
    this.#kick();
  }

  #kick(): void {
    if (this.#draining || this.#retryTimer) return;
    this.#draining = this.#drain().finally(() => {
      this.#draining = undefined;
    });
  }

  async #drain(): Promise<void> {
    while (this.#spool.length > 0) {
      const batch = this.#spool.slice(0, this.#options.batchSize);
      for (const sink of this.#options.sinks) {
        try {
          await sink.write(batch);
        } catch (error) {
          this.#options.observer.sinkFailed?.(sink.name, error);
          this.#scheduleRetry();
          return;
        }
      }
      this.#spool.splice(0, batch.length);
      this.#backoffMs = 100;
    }
  }

  #scheduleRetry(): void {
    if (this.#closed) return;
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      this.#kick();
    }, this.#backoffMs);
    this.#retryTimer.unref();
    this.#backoffMs = Math.min(this.#backoffMs * 2, MAX_BACKOFF_MS);
  }

  /** Events waiting for a sink. */
  get pending(): number {
    return this.#spool.length;
  }

  /** Ends every coalescing window now and waits until the spool is written (or a sink fails). */
  async flush(): Promise<void> {
    for (const key of [...this.#windows.keys()]) this.#closeWindow(key);
    if (this.#retryTimer) {
      clearTimeout(this.#retryTimer);
      this.#retryTimer = undefined;
    }
    this.#kick();
    await this.#draining;
  }

  /** Flushes, then stops retrying; events still unwritten are reported as dropped. */
  async close(): Promise<void> {
    await this.flush();
    this.#closed = true;
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    if (this.#spool.length > 0)
      this.#options.observer.dropped?.(this.#spool.length, "shutdown with sinks unreachable");
  }
}
