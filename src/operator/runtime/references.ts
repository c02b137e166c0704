// The objects of one kind that something the controllers own refers to by name — the Secrets and ConfigMaps
// that bundles and servers read — and nothing else: one watch per referenced object (a field selector on its
// name), started when the first reference appears and stopped when the last goes. An unrelated Secret is
// neither watched nor cached, so its changes never reach the operator. Until a new reference's watch has
// listed, `pending` says so, and a reconcile that needs it waits rather than report it missing.
import type { KubeClient, KubeObject, ResourceType } from "../kube/index.ts";
import { Informer, type InformerHandler, type ListReason } from "./informer.ts";
import type { Clock } from "../../util/clock.ts";

export interface ObjectRef {
  readonly namespace: string;
  readonly name: string;
}

export interface ReferencedObjectsOptions<T> {
  readonly handler: InformerHandler<T>;
  readonly onError?: (error: unknown) => void;
  readonly onList?: (reason: ListReason) => void;
  readonly clock?: Clock;
}

interface Entry<T extends KubeObject> {
  readonly informer: Informer<T>;
  readonly stop: AbortController;
  running?: Promise<void>;
}

const refKey = (r: ObjectRef): string => `${r.namespace}/${r.name}`;

export class ReferencedObjects<T extends KubeObject> {
  readonly type: ResourceType;
  readonly #client: KubeClient;
  readonly #options: ReferencedObjectsOptions<T>;
  readonly #entries = new Map<string, Entry<T>>();
  #signal: AbortSignal | undefined;

  constructor(client: KubeClient, type: ResourceType, options: ReferencedObjectsOptions<T>) {
    this.#client = client;
    this.type = type;
    this.#options = options;
  }

  /** How many objects are watched now. */
  get size(): number {
    return this.#entries.size;
  }

  get(namespace: string, name: string): T | undefined {
    return this.#entries.get(`${namespace}/${name}`)?.informer.get(namespace, name);
  }

  /** Referenced, but its watch has not listed yet: whether it exists is not known. */
  pending(namespace: string, name: string): boolean {
    const entry = this.#entries.get(`${namespace}/${name}`);
    return entry !== undefined && !entry.informer.hasSynced;
  }

  list(namespace?: string): T[] {
    return [...this.#entries.values()].flatMap((e) => e.informer.list(namespace));
  }

  /** Once every object referenced now has listed. */
  async synced(): Promise<void> {
    await Promise.all([...this.#entries.values()].map((e) => e.informer.synced));
  }

  /** Watches exactly `refs` from now on: new ones start, dropped ones stop (their objects leave the cache). */
  want(refs: Iterable<ObjectRef>): void {
    const wanted = new Map<string, ObjectRef>();
    for (const r of refs) if (r.name !== "") wanted.set(refKey(r), r);
    for (const [key, entry] of this.#entries) {
      if (wanted.has(key)) continue;
      entry.stop.abort();
      this.#entries.delete(key);
    }
    for (const [key, ref] of wanted) {
      if (this.#entries.has(key)) continue;
      const informer = new Informer<T>(this.#client, this.type, {
        namespace: ref.namespace,
        fieldSelector: `metadata.name=${ref.name}`,
        handler: this.#options.handler,
        ...(this.#options.onError && { onError: this.#options.onError }),
        ...(this.#options.onList && { onList: this.#options.onList }),
        ...(this.#options.clock && { clock: this.#options.clock }),
      });
      const entry: Entry<T> = { informer, stop: new AbortController() };
      this.#entries.set(key, entry);
      if (this.#signal) this.#start(entry, this.#signal);
    }
  }

  #start(entry: Entry<T>, signal: AbortSignal): void {
    const stop = AbortSignal.any([signal, entry.stop.signal]);
    entry.running = entry.informer.run(stop);
  }

  /** Runs the watches (those wanted now and later) until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    this.#signal = signal;
    for (const entry of this.#entries.values()) this.#start(entry, signal);
    await new Promise((resolve) => {
      if (signal.aborted) resolve(undefined);
      else signal.addEventListener("abort", resolve, { once: true });
    });
    await Promise.all([...this.#entries.values()].flatMap((e) => (e.running ? [e.running] : [])));
  }
}
