// The Kubernetes operator: PolicyBundle verification and GovernanceServer reconciliation.
export { Operator, type OperatorOptions } from "./operator.ts";
export { KubeClient, KubeApiError, ResourceTypes, collectionPath, type KubeObject } from "./kube/index.ts";
export {
  FIELD_MANAGER,
  Informer,
  LeaderElector,
  StalledError,
  WaitingError,
  WorkQueue,
  type LeaderElectionOptions,
  type ReconcileResult,
} from "./runtime/index.ts";
export { renderCrdFiles } from "./crd-files.ts";
export { summarize, type ObjectKind, type Summary } from "./summary.ts";
export {
  API_VERSION,
  RECONCILE_REQUESTED_AT,
  GROUP,
  VERSION,
  crdManifests,
  type GovernanceServer,
  type PolicyBundle,
  type GovernanceServerSpec,
  type PolicyBundleSpec,
} from "./schema.ts";
export * as render from "./render.ts";
export type { AuditRetentionDefaults } from "./render.ts";
