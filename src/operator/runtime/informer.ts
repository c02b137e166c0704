// An informer: list, then watch from the list's resourceVersion, keeping a local cache; a watch that expires
// (410 Gone) lists again; any other failure backs off (1 s → 30 s) and lists again; a periodic resync hands
// every cached object to the handler so that a reconcile missed for any reason happens anyway.
import type { KubeClient, KubeObject, ResourceType } from "../kube.ts";
import { WatchExpiredError } from "../kube.ts";
import { systemClock, type Clock } from "../../util/clock.ts";

export type InformerHandler<T> = (object: T, kind: "upsert" | "delete" | "resync") => void;

export interface InformerOptions<T> {
  readonly namespace: string | undefined;
  readonly labelSelector?: string;
  readonly resyncMs?: number;
  readonly handler: InformerHandler<T>;
  readonly onError?: (error: unknown) => void;
  /** Each list (the first and every re-list after a 410 or a failure). */
  readonly onList?: (reason: "initial" | "expired" | "error") => void;
  /** Where the backoff waits (tests pass a manual clock). */
  readonly clock?: Clock;
}

const keyOf = (o: KubeObject): string => `${o.metadata.namespace ?? ""}/${o.metadata.name}`;

export class Informer<T extends KubeObject> {
  readonly type: ResourceType;
  readonly #client: KubeClient;
  readonly #options: InformerOptions<T>;
  readonly #store = new Map<string, T>();
  #synced = false;
  #resolveSynced: () => void = () => undefined;
  readonly synced: Promise<void>;

  constructor(client: KubeClient, type: ResourceType, options: InformerOptions<T>) {
    this.#client = client;
    this.type = type;
    this.#options = options;
    this.synced = new Promise((resolve) => (this.#resolveSynced = resolve));
  }

  get hasSynced(): boolean {
    return this.#synced;
  }

  get(namespace: string, name: string): T | undefined {
    return this.#store.get(`${namespace}/${name}`);
  }

  list(namespace?: string): T[] {
    const all = [...this.#store.values()];
    return namespace === undefined ? all : all.filter((o) => o.metadata.namespace === namespace);
  }

  /** Replaces the cache with a fresh list, telling the handler what changed; returns its resourceVersion. */
  async #relist(reason: "initial" | "expired" | "error"): Promise<string> {
    this.#options.onList?.(reason);
    const list = await this.#client.list<T>(this.type, this.#options.namespace, this.#options.labelSelector);
    const seen = new Set<string>();
    for (const item of list.items) {
      const key = keyOf(item);
      seen.add(key);
      const old = this.#store.get(key);
      this.#store.set(key, item);
      if (old?.metadata.resourceVersion !== item.metadata.resourceVersion)
        this.#options.handler(item, "upsert");
    }
    for (const [key, old] of this.#store) {
      if (!seen.has(key)) {
        this.#store.delete(key);
        this.#options.handler(old, "delete");
      }
    }
    if (!this.#synced) {
      this.#synced = true;
      this.#resolveSynced();
    }
    return list.metadata.resourceVersion;
  }

  #apply(type: string, object: T): string | undefined {
    const key = keyOf(object);
    if (type === "DELETED") {
      this.#store.delete(key);
      this.#options.handler(object, "delete");
    } else if (type === "ADDED" || type === "MODIFIED") {
      this.#store.set(key, object);
      this.#options.handler(object, "upsert");
    }
    return object.metadata.resourceVersion;
  }

  /** Watches from `resourceVersion` until the signal aborts or the watch fails (rejects). */
  async #watchFrom(resourceVersion: string, signal: AbortSignal): Promise<void> {
    let version = resourceVersion;
    const stopped = (): boolean => signal.aborted;
    while (!stopped()) {
      // The server ends each watch after timeoutSeconds; spread them so that watches do not align.
      const timeoutSeconds = 240 + Math.floor(Math.random() * 120);
      await this.#client.watch<T>(
        this.type,
        this.#options.namespace,
        {
          resourceVersion: version,
          timeoutSeconds,
          ...(this.#options.labelSelector !== undefined && { labelSelector: this.#options.labelSelector }),
        },
        (event) => {
          version = this.#apply(event.type, event.object) ?? version;
        },
        signal,
      );
    }
  }

  /** Runs until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    const resync = this.#options.resyncMs ?? 0;
    const timer =
      resync > 0
        ? setInterval(() => {
            for (const o of this.#store.values()) this.#options.handler(o, "resync");
          }, resync)
        : undefined;
    const stopped = (): boolean => signal.aborted;
    let backoff = 1_000;
    let reason: "initial" | "expired" | "error" = "initial";
    try {
      while (!stopped()) {
        try {
          const resourceVersion = await this.#relist(reason);
          backoff = 1_000;
          await this.#watchFrom(resourceVersion, signal);
        } catch (error) {
          if (stopped()) return;
          reason = error instanceof WatchExpiredError ? "expired" : "error";
          if (reason === "expired") continue;
          this.#options.onError?.(error);
          await (this.#options.clock ?? systemClock).delay(backoff, signal);
          backoff = Math.min(backoff * 2, 30_000);
        }
      }
    } finally {
      if (timer) clearInterval(timer);
    }
  }
}
