// SIEM export: renderings (OCSF, ECS, CEF, raw), the Kafka sink and the transactional-outbox relay.
export { renderEvent, EXPORT_FORMATS, type ExportFormat, type Rendered } from "./formats/index.ts";
export {
  loadExportConfig,
  ExportConfigError,
  SEVERITIES,
  type ExportConfig,
  type KafkaExportConfig,
  type KafkaDecisionsConfig,
  type OtlpExportConfig,
} from "./config.ts";
export { KafkaSink } from "./kafka.ts";
export { OtlpSink, type OtlpSinkOptions } from "./otlp.ts";
export { otlpAttributes, otlpDecisionAttributes } from "./otlp-attributes.ts";
export { OutboxRelay, type RelayObserver, type RelayOptions } from "./relay.ts";
export { outboxBacklog } from "../outbox/index.ts";
export { atLeast, type DecisionSink, type ExportSink } from "./sink.ts";
export { renderDecision, DECISION_FORMATS, type DecisionFormat } from "./formats/index.ts";
export { DecisionSelection, type DecisionRecord, type DecisionMode } from "./decisions/index.ts";
