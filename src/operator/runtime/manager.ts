// The manager, as controller-runtime's: one informer per watched resource, shared by every controller that
// watches it; one work queue per controller; and the dispatch from each informer's events to the keys each
// controller declared that an event concerns. A controller is its watches plus its reconcile — it never wires
// informers or queues itself. A watch may instead cover only the objects its controller's objects refer to
// (`references`): the manager keeps those watched as the references change (references.ts).
import type { Logger } from "pino";
import type { KubeClient, KubeObject, ResourceType } from "../kube/index.ts";
import { outcomeOf, type StalledError } from "./errors.ts";
import { Informer, type ListReason } from "./informer.ts";
import { ReferencedObjects, type ObjectRef } from "./references.ts";
import { WorkQueue, type QueueObserver, type ReconcileResult } from "./queue.ts";

export interface CacheSpec {
  readonly type: ResourceType;
  readonly labelSelector?: string;
}

export interface Watch<T extends KubeObject = KubeObject> extends CacheSpec {
  /** The keys (namespace/name) of the controller's own objects that a change to `object` concerns. */
  readonly toKeys: (object: T) => Iterable<string>;
  /**
   * Watch only the objects of this type that these references name (read from the controller's caches each
   * time one of them changes); every other object of the type is neither watched nor cached.
   */
  readonly references?: () => Iterable<ObjectRef>;
}

export interface Controller {
  /** The queue's and the metrics' name (controller_runtime_reconcile_total{controller}). */
  readonly name: string;
  readonly kind: string;
  // Each watch's object type is its own; the manager only hands it what that watch's informer holds.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly watches: readonly Watch<any>[];
  readonly reconcile: (key: string) => Promise<ReconcileResult | undefined>;
}

export interface ManagerOptions {
  readonly client: KubeClient;
  /** One namespace, or undefined for all. */
  readonly namespace: string | undefined;
  /** How often the controllers' own kinds are handed to them again (a reconcile missed for any reason). */
  readonly resyncMs: number;
  readonly concurrency: number;
  readonly logger: Logger;
  readonly observer: QueueObserver;
  readonly onList?: (resource: string, reason: ListReason) => void;
  /** How many objects of a referenced-only resource are watched, each time the references change. */
  readonly onReferenced?: (resource: string, count: number) => void;
  /** Once every cache has listed and the queues run. */
  readonly onStarted?: () => void;
}

/** "namespace/name" of an object. */
export const keyOf = (o: KubeObject): string => `${o.metadata.namespace ?? ""}/${o.metadata.name}`;

export class Manager {
  readonly #options: ManagerOptions;
  readonly #caches = new Map<string, Informer<KubeObject>>();
  readonly #referenced = new Map<string, ReferencedObjects<KubeObject>>();
  readonly #referenceSources = new Map<string, (() => Iterable<ObjectRef>)[]>();
  #referencesDirty = false;
  #running = false;
  readonly #routes = new Map<string, ((object: KubeObject) => void)[]>();
  readonly #queues: WorkQueue[] = [];
  /** The kinds some controller reconciles: their informers resync. */
  readonly #owned = new Set<string>();

  constructor(options: ManagerOptions) {
    this.#options = options;
  }

  #cacheKey(spec: CacheSpec): string {
    return `${spec.type.group}/${spec.type.plural}?${spec.labelSelector ?? ""}`;
  }

  #referencedKey(type: ResourceType): string {
    return `${type.group}/${type.plural}#referenced`;
  }

  #route(key: string, object: KubeObject): void {
    for (const route of this.#routes.get(key) ?? []) route(object);
  }

  /** The referenced objects of a type (made on first use; contexts read from it). */
  referenced<T extends KubeObject>(type: ResourceType): ReferencedObjects<T> {
    const key = this.#referencedKey(type);
    let cache = this.#referenced.get(key);
    if (!cache) {
      const resource = type.plural;
      const { logger } = this.#options;
      cache = new ReferencedObjects<KubeObject>(this.#options.client, type, {
        onError: (error) => {
          logger.warn({ resource, err: error }, "watch failed; watching again after a backoff");
        },
        onList: (reason) => this.#options.onList?.(resource, reason),
        handler: (object) => {
          this.#route(key, object);
        },
      });
      this.#referenced.set(key, cache);
    }
    return cache as unknown as ReferencedObjects<T>;
  }

  /** Recomputes every referenced set (coalesced: once per turn of the event loop, however many events). */
  #referencesChanged(): void {
    if (this.#referencesDirty || !this.#running) return;
    this.#referencesDirty = true;
    queueMicrotask(() => {
      this.#referencesDirty = false;
      this.#updateReferences();
    });
  }

  #updateReferences(): void {
    for (const [key, cache] of this.#referenced) {
      const sources = this.#referenceSources.get(key) ?? [];
      cache.want(sources.flatMap((source) => [...source()]));
      this.#options.onReferenced?.(cache.type.plural, cache.size);
    }
  }

  /** The shared cache of a resource (made on first use; controllers and their contexts read from it). */
  cache<T extends KubeObject>(spec: CacheSpec, options: { resync?: boolean } = {}): Informer<T> {
    const key = this.#cacheKey(spec);
    if (options.resync === true) this.#owned.add(key);
    let informer = this.#caches.get(key);
    if (!informer) {
      const resource = spec.type.plural;
      const { logger } = this.#options;
      informer = new Informer<KubeObject>(this.#options.client, spec.type, {
        namespace: this.#options.namespace,
        ...(spec.labelSelector !== undefined && { labelSelector: spec.labelSelector }),
        resyncMs: this.#owned.has(key) ? this.#options.resyncMs : 0,
        onError: (error) => {
          logger.warn({ resource, err: error }, "watch failed; listing again after a backoff");
        },
        onList: (reason) => this.#options.onList?.(resource, reason),
        handler: (object) => {
          this.#route(key, object);
          this.#referencesChanged();
        },
      });
      this.#caches.set(key, informer);
    }
    return informer as unknown as Informer<T>;
  }

  /** Adds a controller: a queue of its own, and a route from each informer it watches to that queue. */
  add(controller: Controller): void {
    const { logger } = this.#options;
    const queue = new WorkQueue({
      name: controller.name,
      concurrency: this.#options.concurrency,
      observer: {
        ...this.#options.observer,
        failed: (_q, key, error) => {
          const outcome = outcomeOf(error);
          if (outcome === "stalled")
            logger.info(
              { key, reason: (error as StalledError).reason },
              `${controller.kind} stalled; waiting for a change`,
            );
          else if (outcome === "error")
            logger.warn({ key, err: error }, `${controller.kind} reconcile failed; retrying`);
        },
      },
      reconcile: controller.reconcile,
    });
    this.#queues.push(queue);
    for (const watch of controller.watches) {
      let key: string;
      if (watch.references) {
        this.referenced(watch.type);
        key = this.#referencedKey(watch.type);
        const sources = this.#referenceSources.get(key) ?? [];
        sources.push(watch.references);
        this.#referenceSources.set(key, sources);
      } else {
        this.cache(watch);
        key = this.#cacheKey(watch);
      }
      const routes = this.#routes.get(key) ?? [];
      routes.push((object) => {
        for (const k of watch.toKeys(object)) queue.add(k);
      });
      this.#routes.set(key, routes);
    }
  }

  /** Runs every informer and, once all have listed, every queue, until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    const informers = [...this.#caches.values()];
    const referenced = [...this.#referenced.values()];
    const watching = [...informers.map((i) => i.run(signal)), ...referenced.map((r) => r.run(signal))];
    const aborted = new Promise((resolve) => {
      signal.addEventListener("abort", resolve, { once: true });
    });
    // Reconcile only from a complete picture: every cache listed once, then every object they refer to.
    await Promise.race([Promise.all(informers.map((i) => i.synced)), aborted]);
    this.#running = true;
    this.#updateReferences();
    await Promise.race([Promise.all(referenced.map((r) => r.synced())), aborted]);
    const working = signal.aborted ? [] : this.#queues.map((q) => q.run());
    if (!signal.aborted) this.#options.onStarted?.();
    await new Promise((resolve) => {
      if (signal.aborted) resolve(undefined);
      else signal.addEventListener("abort", resolve, { once: true });
    });
    for (const q of this.#queues) q.stop();
    await Promise.all([...watching, ...working]);
  }
}
