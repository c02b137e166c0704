// The library's Watch, with the one thing its ListWatch needs and does not do: the objects a watch hands over
// are raw JSON, while a list through KubernetesObjectApi is deserialized into the V1* models (timestamps as
// Dates). Each watched object goes through the library's own ObjectSerializer here, so an informer's cache
// holds one shape whichever way an object arrived. Bookmarks are asked for, so a quiet watch still advances
// its resourceVersion, and a 410 Gone is told to the caller (the informer counts it as an expired list).
//
// ObjectSerializer and getSerializationType are not exported from the package root; they are imported from
// the modules the library itself uses (pinned version; ADR 0011, and test/unit/operator/informer.test.ts
// fails if they move).
import { Watch, type KubeConfig } from "@kubernetes/client-node";
import { ObjectSerializer } from "@kubernetes/client-node/dist/serializer.js";
import { getSerializationType } from "@kubernetes/client-node/dist/util.js";

/** A raw object from the wire, in the shape KubernetesObjectApi would have returned it. */
export function deserialize<T extends object>(raw: T): T {
  const { apiVersion, kind } = raw as { apiVersion?: string; kind?: string };
  return ObjectSerializer.deserialize(raw, getSerializationType(apiVersion, kind)) as T;
}

type Callback = (phase: string, object: unknown, event?: unknown) => void;
type QueryParams = Record<string, string | number | boolean | undefined>;

export interface WatchHooks {
  /** A 410 Gone: the resourceVersion is too old, the next list is an expired one. */
  readonly expired?: () => void;
  /** A watch is being opened (ListWatch opens one right after it has cached a list). */
  readonly started?: () => void;
}

const isGone = (e: unknown): boolean =>
  typeof e === "object" &&
  e !== null &&
  ((e as { statusCode?: number }).statusCode === 410 || (e as { code?: number }).code === 410);

export class TypedWatch extends Watch {
  readonly #hooks: WatchHooks;

  constructor(config: KubeConfig, hooks: WatchHooks = {}) {
    super(config);
    this.#hooks = hooks;
  }

  override watch(
    path: string,
    queryParams: QueryParams,
    callback: Callback,
    done: (err: unknown) => void,
  ): Promise<AbortController> {
    this.#hooks.started?.();
    return super.watch(
      path,
      { ...queryParams, allowWatchBookmarks: true },
      (phase, object, event) => {
        if (phase === "ERROR") {
          if (isGone(object)) this.#hooks.expired?.();
          callback(phase, object, event);
          return;
        }
        callback(phase, typeof object === "object" && object !== null ? deserialize(object) : object, event);
      },
      (err) => {
        if (isGone(err)) this.#hooks.expired?.();
        done(err);
      },
    );
  }
}
