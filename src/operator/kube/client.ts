// The operator's Kubernetes client: @kubernetes/client-node's KubernetesObjectApi for get, list, create,
// replace, delete and server-side apply, its CustomObjectsApi for the status subresource, its Watch under the
// informers. What this file adds is small and said in ADR 0011: one field manager per client, 404 as
// "absent", API errors as KubeApiError (status, reason, the server's message — not the library's dump of
// body and headers), and a deadline on every request (the library sets none).
import {
  ApiException,
  CustomObjectsApi,
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  ServerConfiguration,
  createConfiguration,
  setHeaderMiddleware,
  setHeaderOptions,
  type Configuration,
  type KubernetesObject,
  type Middleware,
  type RequestContext,
  type ResponseContext,
} from "@kubernetes/client-node";
import type { KubeList, KubeObject, ObjectMetadata } from "./objects.ts";
import { apiVersionOf, type ResourceType } from "./resource-types.ts";

import { deserialize } from "./watch.ts";

/** What the client writes: any object with a named metadata (apiVersion and kind come from the type). */
export type Writable = object & { readonly metadata: ObjectMetadata };

export class KubeApiError extends Error {
  readonly status: number;
  readonly reason: string;
  constructor(status: number, reason: string, message: string) {
    super(message);
    this.name = "KubeApiError";
    this.status = status;
    this.reason = reason;
  }
}

const REQUEST_TIMEOUT_MS = 30_000;

/** Every request the generated clients send gets a deadline. */
function deadline(ms: number): Middleware {
  return {
    pre: (context: RequestContext) => {
      context.setSignal(AbortSignal.timeout(ms));
      return Promise.resolve(context);
    },
    post: (response: ResponseContext) => Promise.resolve(response),
  };
}

/** KubernetesObjectApi with its discovery (protected there) asked directly: is a kind served? */
class ObjectApi extends KubernetesObjectApi {
  async serves(apiVersion: string, kind: string): Promise<boolean> {
    return (await this.resource(apiVersion, kind)) !== undefined;
  }
}

/** The API server's Status message out of the library's ApiException, as a KubeApiError. */
function translated(error: unknown, what: string): unknown {
  if (!(error instanceof ApiException)) return error;
  const status = error.code;
  let reason = "Unknown";
  let message = typeof error.body === "string" ? error.body.slice(0, 500) : "";
  try {
    const doc = (typeof error.body === "string" ? JSON.parse(error.body) : error.body) as {
      reason?: string;
      message?: string;
    };
    reason = doc.reason ?? reason;
    message = doc.message ?? message;
  } catch {
    // not a Status object
  }
  return new KubeApiError(status, reason, `${what}: ${String(status)} ${reason}: ${message}`);
}

function describe(verb: string, type: ResourceType, namespace?: string, name?: string): string {
  return `${verb} ${type.plural}${namespace === undefined ? "" : ` ${namespace}`}/${name ?? ""}`;
}

export interface KubeClientOptions {
  /** The field manager of every server-side apply this client sends. */
  readonly fieldManager: string;
  readonly requestTimeoutMs?: number;
}

export class KubeClient {
  readonly config: KubeConfig;
  readonly fieldManager: string;
  readonly #objects: ObjectApi;
  readonly #custom: CustomObjectsApi;

  constructor(config: KubeConfig, options: KubeClientOptions) {
    this.config = config;
    this.fieldManager = options.fieldManager;
    const cluster = config.getCurrentCluster();
    if (!cluster) throw new Error("the kubeconfig names no current cluster");
    // As KubeConfig.makeApiClient builds it, plus the deadline.
    const configuration: Configuration = createConfiguration({
      baseServer: new ServerConfiguration(cluster.server, {}),
      authMethods: { default: config },
      middleware: [setHeaderMiddleware("User-Agent", `parmana (${options.fieldManager})`)],
      promiseMiddleware: [deadline(options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS)],
    });
    this.#objects = new ObjectApi(configuration);
    this.#custom = new CustomObjectsApi(configuration);
  }

  /** From a kubeconfig file, or in-cluster (service account) when running in a pod, or ~/.kube/config. */
  static load(kubeconfig: string | undefined, options: KubeClientOptions): KubeClient {
    const config = new KubeConfig();
    if (kubeconfig !== undefined) config.loadFromFile(kubeconfig);
    else config.loadFromDefault();
    return new KubeClient(config, options);
  }

  async #call<T>(what: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      throw translated(error, what);
    }
  }

  #spec(type: ResourceType, object: Writable): KubernetesObject {
    return { ...object, apiVersion: apiVersionOf(type), kind: type.kind };
  }

  async get<T extends KubeObject>(
    type: ResourceType,
    namespace: string,
    name: string,
  ): Promise<T | undefined> {
    try {
      return await this.#call(describe("get", type, namespace, name), () =>
        this.#objects.read<T>({
          apiVersion: apiVersionOf(type),
          kind: type.kind,
          metadata: { name, namespace },
        }),
      );
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 404) return undefined;
      throw error;
    }
  }

  list<T extends KubeObject>(
    type: ResourceType,
    namespace: string | undefined,
    selectors: { labelSelector?: string; fieldSelector?: string } = {},
  ): Promise<KubeList<T>> {
    return this.#call(describe("list", type, namespace), async () => {
      const list = await this.#objects.list<T>(
        apiVersionOf(type),
        type.kind,
        namespace,
        undefined,
        undefined,
        undefined,
        selectors.fieldSelector,
        selectors.labelSelector,
      );
      // One shape whichever way an object arrives: core items come deserialized and without apiVersion and
      // kind, custom ones raw; a watch event's object has both and goes through deserialize() too.
      const items = list.items.map((item) =>
        deserialize<T>({ ...item, apiVersion: apiVersionOf(type), kind: type.kind }),
      );
      return { ...(list.metadata && { metadata: list.metadata }), items };
    });
  }

  /** Server-side apply under this client's field manager, taking ownership of conflicting fields. */
  apply<T extends Writable>(type: ResourceType, object: T): Promise<T> {
    const { namespace, name } = object.metadata;
    return this.#call(
      describe("apply", type, namespace, name),
      async () =>
        (await this.#objects.patch(
          this.#spec(type, object),
          undefined,
          undefined,
          this.fieldManager,
          true,
          PatchStrategy.ServerSideApply,
        )) as T,
    );
  }

  /** Server-side apply of a custom resource's status subresource. */
  applyStatus<T extends KubeObject>(
    type: ResourceType,
    object: { metadata: { name: string; namespace: string }; status: unknown },
  ): Promise<T> {
    const { namespace, name } = object.metadata;
    return this.#call(describe("apply status of", type, namespace, name), async () => {
      const result: unknown = await this.#custom.patchNamespacedCustomObjectStatus(
        {
          group: type.group,
          version: type.version,
          plural: type.plural,
          namespace,
          name,
          body: { apiVersion: apiVersionOf(type), kind: type.kind, ...object },
          fieldManager: this.fieldManager,
          force: true,
        },
        setHeaderOptions("Content-Type", PatchStrategy.ServerSideApply),
      );
      return result as T;
    });
  }

  create<T extends Writable>(type: ResourceType, object: T): Promise<T> {
    const { namespace, name } = object.metadata;
    return this.#call(
      describe("create", type, namespace, name),
      async () => (await this.#objects.create(this.#spec(type, object))) as T,
    );
  }

  /** PUT with the object's resourceVersion: a 409 Conflict when someone else changed it first. */
  replace<T extends Writable>(type: ResourceType, object: T): Promise<T> {
    const { namespace, name } = object.metadata;
    return this.#call(
      describe("replace", type, namespace, name),
      async () => (await this.#objects.replace(this.#spec(type, object))) as T,
    );
  }

  async delete(type: ResourceType, namespace: string, name: string): Promise<void> {
    try {
      await this.#call(describe("delete", type, namespace, name), () =>
        this.#objects.delete({
          apiVersion: apiVersionOf(type),
          kind: type.kind,
          metadata: { name, namespace },
        }),
      );
    } catch (error) {
      if (!(error instanceof KubeApiError && error.status === 404)) throw error;
    }
  }

  /** Whether the API server serves a resource type (e.g. the Prometheus Operator's ServiceMonitor). */
  async serves(type: ResourceType): Promise<boolean> {
    try {
      return await this.#call(`discover ${apiVersionOf(type)}`, () =>
        this.#objects.serves(apiVersionOf(type), type.kind),
      );
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 404) return false;
      throw error;
    }
  }
}
