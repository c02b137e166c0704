// An informer: the library's ListWatch (list, then watch from the list's resourceVersion, keeping the cache;
// a 410 Gone lists again; a watch idle for the library's 30 s, or closed by the server, resumes from its
// resourceVersion) under what a controller needs beside it: a `synced` promise once the first list is cached,
// a restart with backoff (1 s → 30 s) after any other failure (ListWatch stops there; it resumes the watch from
// its resourceVersion, or lists again if the list was what failed), a periodic resync that hands every cached
// object to the handler, and the reason of every list for the metrics.
import { ADD, DELETE, ERROR, ListWatch, UPDATE } from "@kubernetes/client-node";
import {
  TypedWatch,
  collectionPath,
  type KubeClient,
  type KubeObject,
  type ResourceType,
} from "../kube/index.ts";
import { systemClock, type Clock } from "../../util/clock.ts";

export type InformerHandler<T> = (object: T, kind: "upsert" | "delete" | "resync") => void;
export type ListReason = "initial" | "expired" | "error";

export interface InformerOptions<T> {
  readonly namespace: string | undefined;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  readonly resyncMs?: number;
  readonly handler: InformerHandler<T>;
  readonly onError?: (error: unknown) => void;
  /** Each list (the first and every re-list after a 410 or a failure). */
  readonly onList?: (reason: ListReason) => void;
  /** Where the backoff waits (tests pass a manual clock). */
  readonly clock?: Clock;
}

const FIRST_BACKOFF_MS = 1_000;
const MAX_BACKOFF_MS = 30_000;

export class Informer<T extends KubeObject> {
  readonly type: ResourceType;
  readonly #options: InformerOptions<T>;
  readonly #cache: ListWatch<T>;
  #synced = false;
  #resolveSynced: () => void = () => undefined;
  readonly synced: Promise<void>;
  /** Why the next list happens. */
  #nextList: ListReason = "initial";
  #backoffMs = FIRST_BACKOFF_MS;

  constructor(client: KubeClient, type: ResourceType, options: InformerOptions<T>) {
    this.type = type;
    this.#options = options;
    this.synced = new Promise((resolve) => (this.#resolveSynced = resolve));
    const watch = new TypedWatch(client.config, {
      expired: () => {
        this.#nextList = "expired";
      },
      // ListWatch opens the watch right after it has put the list into its cache.
      started: () => {
        if (this.#synced) return;
        this.#synced = true;
        this.#resolveSynced();
      },
    });
    const selectors = {
      ...(options.labelSelector !== undefined && { labelSelector: options.labelSelector }),
      ...(options.fieldSelector !== undefined && { fieldSelector: options.fieldSelector }),
    };
    const list = async (): Promise<{ items: T[]; metadata?: { resourceVersion?: string } }> => {
      options.onList?.(this.#nextList);
      try {
        const result = await client.list<T>(type, options.namespace, selectors);
        this.#backoffMs = FIRST_BACKOFF_MS;
        return result;
      } catch (error) {
        this.#nextList = "error";
        throw error;
      }
    };
    this.#cache = new ListWatch<T>(
      collectionPath(type, options.namespace),
      watch,
      list,
      false,
      options.labelSelector,
      options.fieldSelector,
    );
    const upsert = (object: T): void => {
      this.#backoffMs = FIRST_BACKOFF_MS;
      options.handler(object, "upsert");
    };
    this.#cache.on(ADD, upsert);
    this.#cache.on(UPDATE, upsert);
    this.#cache.on(DELETE, (object: T) => {
      options.handler(object, "delete");
    });
  }

  get hasSynced(): boolean {
    return this.#synced;
  }

  get(namespace: string, name: string): T | undefined {
    return this.#cache.get(name, namespace);
  }

  list(namespace?: string): T[] {
    return [...(namespace === undefined ? this.#cache.list() : this.#cache.list(namespace))];
  }

  /** Runs until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    const clock = this.#options.clock ?? systemClock;
    const resync = this.#options.resyncMs ?? 0;
    const timer =
      resync > 0
        ? setInterval(() => {
            for (const o of this.#cache.list()) this.#options.handler(o, "resync");
          }, resync)
        : undefined;
    const start = (): void => {
      this.#cache.start().catch((error: unknown) => this.#options.onError?.(error));
    };
    // ListWatch stops at a failure other than a 410 or its own idle timeout: start it again after a backoff.
    this.#cache.on(ERROR, (error: unknown) => {
      if (signal.aborted) return;
      this.#options.onError?.(error);
      const wait = this.#backoffMs;
      this.#backoffMs = Math.min(wait * 2, MAX_BACKOFF_MS);
      clock
        .delay(wait, signal)
        .then(() => {
          if (!signal.aborted) start();
        })
        .catch((e: unknown) => this.#options.onError?.(e));
    });
    start();
    try {
      await new Promise((resolve) => {
        signal.addEventListener("abort", resolve, { once: true });
      });
    } finally {
      if (timer) clearInterval(timer);
      await this.#cache.stop();
    }
  }
}
