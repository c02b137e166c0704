// The operator's runtime, shared by every controller: the work queue, informers, leader election, and the
// typed reconcile errors the queue acts on.
export { WorkQueue, type ReconcileResult, type QueueObserver, type WorkQueueOptions } from "./queue.ts";
export { Informer, type InformerHandler, type InformerOptions } from "./informer.ts";
export { LeaderElector, type LeaderElectionOptions } from "./leader.ts";
export { FIELD_MANAGER } from "./field-manager.ts";
export {
  Manager,
  keyOf,
  type CacheSpec,
  type Controller,
  type ManagerOptions,
  type Watch,
} from "./manager.ts";
export { StalledError, WaitingError, outcomeOf, type ReconcileOutcome } from "./errors.ts";
export { ReferencedObjects, type ObjectRef, type ReferencedObjectsOptions } from "./references.ts";
export type { ListReason } from "./informer.ts";
