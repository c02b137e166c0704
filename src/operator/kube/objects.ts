// The shapes the operator handles, from the library's own V1* models: a stored object always has a name.
import type {
  CoreV1Event,
  KubernetesObject,
  V1ConfigMap,
  V1Deployment,
  V1Lease,
  V1ObjectMeta,
  V1OwnerReference,
  V1Secret,
} from "@kubernetes/client-node";

/** V1ObjectMeta's fields (as a plain object type: the model is a class, ours are object literals) + a name. */
export type ObjectMetadata = { [K in keyof V1ObjectMeta]: V1ObjectMeta[K] } & { name: string };

/** An object as the API server stores it: apiVersion, kind and a named metadata. */
export type Named<T extends KubernetesObject> = Omit<T, "metadata"> & { metadata: ObjectMetadata };

export type KubeObject = Named<KubernetesObject>;
export type SecretObject = Named<V1Secret>;
export type ConfigMapObject = Named<V1ConfigMap>;
export type DeploymentObject = Named<V1Deployment>;
export type LeaseObject = Named<V1Lease>;
export type EventObject = Named<CoreV1Event>;
export type OwnerReference = V1OwnerReference;

export interface KubeList<T> {
  items: T[];
  metadata?: { resourceVersion?: string };
}
