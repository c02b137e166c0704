// The transactional outbox of security events: the only code that reads or writes its tables.
export {
  enqueueEvents,
  claimBatch,
  markDelivered,
  pruneDelivered,
  outboxBacklog,
  type Claim,
  type ClaimedRow,
} from "./outbox.ts";
