// The operator's access to the Kubernetes API, through @kubernetes/client-node (ADR 0011).
export { KubeApiError, KubeClient, type KubeClientOptions, type Writable } from "./client.ts";
export { TypedWatch, deserialize, type WatchHooks } from "./watch.ts";
export { ResourceTypes, apiVersionOf, collectionPath, type ResourceType } from "./resource-types.ts";
export type {
  ConfigMapObject,
  DeploymentObject,
  EventObject,
  KubeList,
  KubeObject,
  LeaseObject,
  Named,
  ObjectMetadata,
  OwnerReference,
  SecretObject,
} from "./objects.ts";
