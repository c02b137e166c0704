// A small Kubernetes REST client: @kubernetes/client-node loads the configuration (kubeconfig or in-cluster
// service account) and authenticates each request; this file speaks the few verbs the operator uses —
// get, list, watch (line-delimited JSON), server-side apply (also on the status subresource), create, merge
// patch, delete — over node:https with timeouts, and turns API errors into KubeApiError with the status.
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest, type RequestOptions } from "node:https";
import { KubeConfig } from "@kubernetes/client-node";

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

/** A watch ended because its resourceVersion is too old (410 Gone): the caller must list again. */
export class WatchExpiredError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WatchExpiredError";
  }
}

export interface ResourceType {
  /** "" for the core group. */
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  readonly kind: string;
}

export const ResourceTypes = {
  configMap: { group: "", version: "v1", plural: "configmaps", kind: "ConfigMap" },
  secret: { group: "", version: "v1", plural: "secrets", kind: "Secret" },
  service: { group: "", version: "v1", plural: "services", kind: "Service" },
  serviceAccount: { group: "", version: "v1", plural: "serviceaccounts", kind: "ServiceAccount" },
  event: { group: "", version: "v1", plural: "events", kind: "Event" },
  deployment: { group: "apps", version: "v1", plural: "deployments", kind: "Deployment" },
  podDisruptionBudget: {
    group: "policy",
    version: "v1",
    plural: "poddisruptionbudgets",
    kind: "PodDisruptionBudget",
  },
  lease: { group: "coordination.k8s.io", version: "v1", plural: "leases", kind: "Lease" },
  serviceMonitor: {
    group: "monitoring.coreos.com",
    version: "v1",
    plural: "servicemonitors",
    kind: "ServiceMonitor",
  },
  policyBundle: {
    group: "governance.parmana.io",
    version: "v1alpha1",
    plural: "policybundles",
    kind: "PolicyBundle",
  },
  governanceServer: {
    group: "governance.parmana.io",
    version: "v1alpha1",
    plural: "governanceservers",
    kind: "GovernanceServer",
  },
} as const satisfies Record<string, ResourceType>;

export function apiVersionOf(type: ResourceType): string {
  return type.group === "" ? type.version : `${type.group}/${type.version}`;
}

/** /api/v1/namespaces/ns/configmaps/name/status, or the cluster-wide list path when namespace is undefined. */
export function resourcePath(
  type: ResourceType,
  namespace?: string,
  name?: string,
  subresource?: "status",
): string {
  const base = type.group === "" ? `/api/${type.version}` : `/apis/${type.group}/${type.version}`;
  const ns = namespace === undefined ? "" : `/namespaces/${encodeURIComponent(namespace)}`;
  const n = name === undefined ? "" : `/${encodeURIComponent(name)}`;
  return `${base}${ns}/${type.plural}${n}${subresource ? `/${subresource}` : ""}`;
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    generation?: number;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: {
      apiVersion: string;
      kind: string;
      name: string;
      uid: string;
      controller?: boolean;
      blockOwnerDeletion?: boolean;
    }[];
    creationTimestamp?: string;
    deletionTimestamp?: string;
  };
  [key: string]: unknown;
}

export interface KubeList<T> {
  items: T[];
  metadata: { resourceVersion: string };
}

export interface WatchEvent<T> {
  type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";
  object: T;
}

const REQUEST_TIMEOUT_MS = 30_000;

/** Splits a stream of text into complete, non-empty lines. */
class LineSplitter {
  #buffered = "";

  push(text: string): string[] {
    this.#buffered += text;
    const parts = this.#buffered.split("\n");
    this.#buffered = parts.pop() ?? "";
    return parts.map((p) => p.trim()).filter((p) => p !== "");
  }
}

/** One watch event; an ERROR event becomes an exception (WatchExpiredError for 410 Gone). */
function parseWatchLine<T>(line: string): WatchEvent<T> {
  const event = JSON.parse(line) as WatchEvent<T>;
  if (event.type !== "ERROR") return event;
  const status = event.object as unknown as { code?: number; message?: string };
  if (status.code === 410) throw new WatchExpiredError(status.message ?? "410 Gone");
  throw new KubeApiError(status.code ?? 500, "WatchError", status.message ?? "watch error");
}
const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

export class KubeClient {
  readonly config: KubeConfig;
  readonly #server: URL;

  constructor(config: KubeConfig) {
    this.config = config;
    const cluster = config.getCurrentCluster();
    if (!cluster) throw new Error("the kubeconfig names no current cluster");
    this.#server = new URL(cluster.server);
  }

  /** From a kubeconfig file, or in-cluster (service account) when running in a pod, or ~/.kube/config. */
  static load(kubeconfig?: string): KubeClient {
    const config = new KubeConfig();
    if (kubeconfig !== undefined) config.loadFromFile(kubeconfig);
    else config.loadFromDefault();
    return new KubeClient(config);
  }

  async #open(method: string, path: string, headers: Record<string, string>): Promise<RequestOptions> {
    const options: RequestOptions = {
      method,
      hostname: this.#server.hostname,
      port: this.#server.port,
      path: `${this.#server.pathname.replace(/\/$/, "")}${path}`,
      headers: { Accept: "application/json", ...headers },
    };
    await this.config.applyToHTTPSOptions(options);
    return options;
  }

  async #send(
    method: string,
    path: string,
    body?: unknown,
    contentType = "application/json",
    timeoutMs = REQUEST_TIMEOUT_MS,
  ): Promise<IncomingMessage> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const options = await this.#open(method, path, {
      ...(payload && { "Content-Type": contentType, "Content-Length": String(payload.length) }),
    });
    const send = this.#server.protocol === "https:" ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = send(options, resolve);
      req.setTimeout(timeoutMs, () => {
        req.destroy(new Error(`${method} ${path}: no answer from the API server in ${String(timeoutMs)} ms`));
      });
      req.on("error", reject);
      req.end(payload);
    });
  }

  async request<T>(method: string, path: string, body?: unknown, contentType?: string): Promise<T> {
    const res = await this.#send(method, path, body, contentType);
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_RESPONSE_BYTES) throw new Error(`${method} ${path}: response larger than 64 MiB`);
      chunks.push(chunk);
    }
    const text = Buffer.concat(chunks).toString("utf8");
    const status = res.statusCode ?? 0;
    if (status >= 200 && status < 300) return (text === "" ? {} : JSON.parse(text)) as T;
    let reason = "Unknown";
    let message = text.slice(0, 500);
    try {
      const doc = JSON.parse(text) as { reason?: string; message?: string };
      reason = doc.reason ?? reason;
      message = doc.message ?? message;
    } catch {
      // not a Status object
    }
    throw new KubeApiError(status, reason, `${method} ${path}: ${String(status)} ${reason}: ${message}`);
  }

  async get<T extends KubeObject>(
    type: ResourceType,
    namespace: string,
    name: string,
  ): Promise<T | undefined> {
    try {
      return await this.request<T>("GET", resourcePath(type, namespace, name));
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 404) return undefined;
      throw error;
    }
  }

  list<T extends KubeObject>(
    type: ResourceType,
    namespace: string | undefined,
    labelSelector?: string,
  ): Promise<KubeList<T>> {
    const query = labelSelector === undefined ? "" : `?labelSelector=${encodeURIComponent(labelSelector)}`;
    return this.request<KubeList<T>>("GET", `${resourcePath(type, namespace)}${query}`);
  }

  /** Server-side apply under `fieldManager`, taking ownership of conflicting fields (we are the controller). */
  apply<T extends KubeObject>(
    type: ResourceType,
    object: KubeObject,
    fieldManager: string,
    subresource?: "status",
  ): Promise<T> {
    const namespace = object.metadata.namespace;
    const query = `?fieldManager=${encodeURIComponent(fieldManager)}&force=true`;
    return this.request<T>(
      "PATCH",
      `${resourcePath(type, namespace, object.metadata.name, subresource)}${query}`,
      { ...object, apiVersion: apiVersionOf(type), kind: type.kind },
      "application/apply-patch+yaml",
    );
  }

  create<T extends KubeObject>(type: ResourceType, object: KubeObject): Promise<T> {
    return this.request<T>("POST", resourcePath(type, object.metadata.namespace), {
      ...object,
      apiVersion: apiVersionOf(type),
      kind: type.kind,
    });
  }

  /** PUT with the object's resourceVersion: a 409 Conflict when someone else changed it first. */
  replace<T extends KubeObject>(type: ResourceType, object: KubeObject): Promise<T> {
    return this.request<T>("PUT", resourcePath(type, object.metadata.namespace, object.metadata.name), {
      ...object,
      apiVersion: apiVersionOf(type),
      kind: type.kind,
    });
  }

  async delete(type: ResourceType, namespace: string, name: string): Promise<void> {
    try {
      await this.request("DELETE", resourcePath(type, namespace, name));
    } catch (error) {
      if (!(error instanceof KubeApiError && error.status === 404)) throw error;
    }
  }

  /** Whether the API server serves a resource type (e.g. the Prometheus Operator's ServiceMonitor). */
  async serves(type: ResourceType): Promise<boolean> {
    try {
      const list = await this.request<{ resources: { name: string }[] }>(
        "GET",
        type.group === "" ? `/api/${type.version}` : `/apis/${type.group}/${type.version}`,
      );
      return list.resources.some((r) => r.name === type.plural);
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 404) return false;
      throw error;
    }
  }

  /**
   * Streams watch events from `resourceVersion` until the server closes the watch (resolves), the signal
   * aborts (resolves), or the resourceVersion has expired (rejects with WatchExpiredError).
   */
  async watch<T extends KubeObject>(
    type: ResourceType,
    namespace: string | undefined,
    options: { resourceVersion: string; labelSelector?: string; timeoutSeconds: number },
    onEvent: (event: WatchEvent<T>) => void,
    signal: AbortSignal,
  ): Promise<void> {
    const query = new URLSearchParams({
      watch: "1",
      allowWatchBookmarks: "true",
      resourceVersion: options.resourceVersion,
      timeoutSeconds: String(options.timeoutSeconds),
      ...(options.labelSelector !== undefined && { labelSelector: options.labelSelector }),
    });
    const path = `${resourcePath(type, namespace)}?${query.toString()}`;
    const res = await this.#send("GET", path, undefined, undefined, (options.timeoutSeconds + 30) * 1000);
    if ((res.statusCode ?? 0) === 410) throw new WatchExpiredError(`watch ${type.plural}: 410 Gone`);
    if ((res.statusCode ?? 0) !== 200) {
      res.resume();
      throw new KubeApiError(res.statusCode ?? 0, "WatchFailed", `watch ${path}: ${String(res.statusCode)}`);
    }
    const abort = (): void => {
      res.destroy();
    };
    signal.addEventListener("abort", abort, { once: true });
    const lines = new LineSplitter();
    try {
      for await (const chunk of res as AsyncIterable<Buffer>) {
        for (const line of lines.push(chunk.toString("utf8"))) onEvent(parseWatchLine<T>(line));
      }
    } catch (error) {
      if (signal.aborted) return;
      throw error;
    } finally {
      signal.removeEventListener("abort", abort);
    }
  }
}
