// Kubernetes Events on the objects the operator reconciles (kubectl describe shows them). The same event
// for the same object is recorded once per ten minutes, so a resync never floods the API server.
import { randomBytes } from "node:crypto";
import type { EventObject, KubeClient, KubeObject } from "./kube/index.ts";
import { ResourceTypes } from "./kube/index.ts";

const REPEAT_MS = 10 * 60_000;

export class EventRecorder {
  readonly #client: KubeClient;
  readonly #component: string;
  readonly #instance: string;
  readonly #recent = new Map<string, number>();

  constructor(client: KubeClient, component: string, instance: string) {
    this.#client = client;
    this.#component = component;
    this.#instance = instance;
  }

  async record(
    object: { apiVersion: string; kind: string; metadata: KubeObject["metadata"] },
    type: "Normal" | "Warning",
    reason: string,
    message: string,
  ): Promise<void> {
    const key = `${object.metadata.uid ?? ""}|${reason}|${message}`;
    const now = Date.now();
    const last = this.#recent.get(key);
    if (last !== undefined && now - last < REPEAT_MS) return;
    this.#recent.set(key, now);
    if (this.#recent.size > 10_000) this.#recent.clear();
    const namespace = object.metadata.namespace ?? "default";
    const time = new Date(now);
    await this.#client.create<EventObject>(ResourceTypes.event, {
      metadata: { name: `${object.metadata.name}.${randomBytes(8).toString("hex")}`, namespace },
      involvedObject: {
        apiVersion: object.apiVersion,
        kind: object.kind,
        name: object.metadata.name,
        namespace,
        ...(object.metadata.uid !== undefined && { uid: object.metadata.uid }),
        ...(object.metadata.resourceVersion !== undefined && {
          resourceVersion: object.metadata.resourceVersion,
        }),
      },
      type,
      reason,
      message: message.slice(0, 1024),
      source: { component: this.#component },
      reportingComponent: this.#component,
      reportingInstance: this.#instance,
      firstTimestamp: time,
      lastTimestamp: time,
      count: 1,
    });
  }
}
