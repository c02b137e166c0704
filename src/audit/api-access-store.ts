// The API access log's table: one row per request answered, written in batches by src/server/access-log.ts.
import { insertRows, type Column } from "./rows.ts";
import type { SqlClient } from "./sql.ts";

export interface ApiAccessRecord {
  readonly requestId: string;
  readonly apiKeyId: string | null;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly durationMs: number;
  readonly at: Date;
}

const COLUMNS: readonly Column[] = [
  { name: "request_id", type: "text" },
  { name: "api_key_id", type: "text" },
  { name: "method", type: "text" },
  { name: "path", type: "text" },
  { name: "status", type: "int" },
  { name: "duration_ms", type: "float8" },
  { name: "at", type: "timestamptz" },
];

export async function recordApiAccess(db: SqlClient, records: readonly ApiAccessRecord[]): Promise<void> {
  await insertRows(
    db,
    "audit_api_access",
    COLUMNS,
    records.map((r) => [r.requestId, r.apiKeyId, r.method, r.path, r.status, r.durationMs, r.at]),
  );
}
