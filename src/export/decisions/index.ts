// Decision records for the decision log export: the record, which ones a sink sends, and which enter the outbox.
export { decisionRecord, overrideRecord, parmanaFields, type DecisionRecord } from "./record.ts";
export {
  parseDecisionMode,
  parseSignalAllowlist,
  keepDecision,
  isPlainApproval,
  sampleBucket,
  withAllowedSignals,
  type DecisionMode,
} from "./filter.ts";
export { DecisionSelection } from "./selection.ts";
