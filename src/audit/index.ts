// The audit trail: migrations, writes and queries over Postgres (pg) or the embedded PGlite.
export {
  connectPostgres,
  openPglite,
  AuditUnavailableError,
  type SqlClient,
  type SqlExecutor,
  type PostgresOptions,
} from "./sql.ts";
export { migrate, MIGRATIONS } from "./migrations.ts";
export { GENESIS_HASH, rowHash, type ChainBreak, type ChainedEventRow } from "./chain.ts";
export {
  AuditStore,
  decodeCursor,
  type DecisionRecord,
  type VerificationRecord,
  type ApiAccessRecord,
  type SecuritySummaryRow,
  type StoredEvent,
  type DecisionSummary,
  type AuditStats,
  type Page,
  type EventFilter,
  type DecisionFilter,
  type TimeRange,
  type RollupMismatch,
} from "./store.ts";
