// Security events: the envelope and the in-process bus that coalesces, spools and hands them to sinks.
export {
  SecurityEventType,
  SEVERITY_ID,
  SEVERITY_OF,
  buildSecurityEvent,
  type SecurityEvent,
  type Severity,
  type EventSource,
  type RaiseInput,
} from "./envelope.ts";
export {
  SecurityEventBus,
  type SecurityEventSink,
  type EventBusObserver,
  type EventBusOptions,
} from "./bus.ts";
