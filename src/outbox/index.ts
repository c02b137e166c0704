// The transactional outbox (security events, decision records): the only code that reads or writes its tables.
export {
  enqueue,
  enqueueEvents,
  claimBatch,
  markDelivered,
  pruneDelivered,
  outboxBacklog,
  type Claim,
  type ClaimedRow,
} from "./outbox.ts";
export { SECURITY_EVENTS, DECISION_RECORDS, type OutboxStream } from "./stream.ts";
