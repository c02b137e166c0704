// The audit trail over Postgres (pg) or the embedded PGlite: migrations; the decision log; the hash-chained
// security events, their rollup and queries; the API access log; stats. (The outbox is src/outbox.)
export {
  connectPostgres,
  openPglite,
  AuditUnavailableError,
  type SqlClient,
  type SqlExecutor,
  type PostgresOptions,
} from "./sql.ts";
export { migrate, MIGRATIONS, MigrationPrivilegeError } from "./migrations.ts";
export { grantServerRole, serverRoleGrants } from "./server-role.ts";
export { GENESIS_HASH, rowHash, type ChainBreak, type ChainedEventRow } from "./chain.ts";
export { AuditStore } from "./store.ts";
export {
  PostgresDecisionLog,
  DuplicateExecutionIdError,
  type DecisionRecordSource,
  type DecisionFilter,
  type DecisionSummary,
  type VerificationRow,
} from "./decision-log.ts";
export { SecurityEventChain, type StoredEvent, type RollupMismatch } from "./security-event-chain.ts";
export { SecurityEventQueries, type SecuritySummaryRow, type EventFilter } from "./security-event-queries.ts";
export { recordApiAccess, type ApiAccessRecord } from "./api-access-store.ts";
export { auditStats, type AuditStats } from "./stats.ts";
export { decodeCursor, type Page, type TimeRange } from "./paging.ts";
export { insertRows, jsonColumn, type Column } from "./rows.ts";
export {
  maintainPartitions,
  partitionsOf,
  startPartitionMaintenance,
  PARTITIONED_TABLES,
  type MaintenanceReport,
  type Partition,
  type PartitionMaintenance,
  type RetentionDays,
} from "./partitions.ts";
export { archivePartitions, verifyArchive, ArchiveError, SEAL_FILE, type ArchiveCheck } from "./archive.ts";
export {
  ARCHIVE_FORMAT,
  sealSigner,
  verifyChainSegment,
  type ArchiveSeal,
  type ArchivedPartition,
  type SignedSeal,
} from "./archive-seal.ts";
export {
  DecisionMerkleLog,
  ROUND_LOOKBACK_MS,
  SWEEP_LOOKBACK_MS,
  type SignedCheckpoint,
  type DecisionProof,
} from "./decision-merkle-log.ts";
export { verifyDecisionLog, type LogProblem, type LogVerification } from "./verify-decision-log.ts";
export { readArchivedDecisions, type ArchivedDecisions } from "./archived-decisions.ts";
