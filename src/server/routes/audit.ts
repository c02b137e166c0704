// The audit routes: always registered; with no audit database they answer 503 AUDIT_DB_UNAVAILABLE.
import type { FastifyInstance } from "fastify";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { AuditStore, DecisionMerkleLog } from "../../audit/index.ts";
import type { ServerContext } from "../context.ts";
import { ApiError, ErrorCode } from "../errors.ts";
import {
  errorResponses,
  DecisionDetail,
  DecisionsPage,
  DecisionsQuery,
  EventsPage,
  EventsQuery,
  ExecutionParams,
  SecurityQuery,
  SecuritySummary,
  ShadowQuery,
  ConsistencyQuery,
  DecisionLogProof,
  LogCheckpoint,
  LogConsistency,
  ShadowReport,
  Stats,
  Verifications,
} from "../schemas.ts";

const ISO_8601 = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/** Parses an ISO-8601 bound; a date-only `to` means the end of that day (the range is inclusive). */
export function parseBound(name: "from" | "to", value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const time = ISO_8601.test(value)
    ? Date.parse(DATE_ONLY.test(value) ? `${value}T00:00:00Z` : value)
    : Number.NaN;
  if (Number.isNaN(time))
    throw new ApiError(
      400,
      ErrorCode.validationFailed,
      `${name} must be an ISO-8601 date or time, e.g. 2026-01-31T23:59:59Z`,
    );
  return new Date(DATE_ONLY.test(value) && name === "to" ? time + 86_399_999 : time);
}

export function parseRange(query: { from?: string | undefined; to?: string | undefined }): {
  from?: Date;
  to?: Date;
} {
  const from = parseBound("from", query.from);
  const to = parseBound("to", query.to);
  if (from && to && from > to)
    throw new ApiError(400, ErrorCode.validationFailed, "from must not be after to");
  return { ...(from && { from }), ...(to && { to }) };
}

export function parseLimit(value: string | undefined): number {
  if (value === undefined) return 50;
  const limit = Number(value);
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > 1000)
    throw new ApiError(400, ErrorCode.validationFailed, "limit must be a whole number from 1 to 1000");
  return limit;
}

function store(ctx: ServerContext): AuditStore {
  if (!ctx.audit)
    throw new ApiError(
      503,
      ErrorCode.auditDbUnavailable,
      "no audit database is configured (AUDIT_DATABASE_URL)",
    );
  return ctx.audit;
}

async function query<T>(ctx: ServerContext, work: (audit: AuditStore) => Promise<T>): Promise<T> {
  const audit = store(ctx);
  try {
    return await work(audit);
  } catch (error) {
    if (error instanceof ApiError) throw error;
    throw new ApiError(503, ErrorCode.auditDbUnavailable, "the audit database is unavailable");
  }
}

/** The verifiable decision log, or 503 when this server keeps none. */
async function fromLog<T>(ctx: ServerContext, work: (log: DecisionMerkleLog) => Promise<T>): Promise<T> {
  const log = ctx.merkleLog;
  if (!log)
    throw new ApiError(
      503,
      ErrorCode.auditDbUnavailable,
      "this server keeps no verifiable decision log (it needs a Postgres AUDIT_DATABASE_URL and PARMANA_DECISION_LOG)",
    );
  try {
    return await work(log);
  } catch (error) {
    if (error instanceof ApiError) throw error;
    throw new ApiError(503, ErrorCode.auditDbUnavailable, "the audit database is unavailable");
  }
}

const b64 = (b: Buffer): string => b.toString("base64");

export function auditRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();
  const errors = errorResponses(400, 401, 403, 404, 429, 503);
  const common = { config: { scope: "audit:read" as const } };
  const doc = { tags: ["audit"], security: [{ bearer: [] }] };

  typed.get(
    "/audit/security",
    {
      ...common,
      schema: { ...doc, querystring: SecurityQuery, response: { 200: SecuritySummary, ...errors } },
    },
    async (request) => {
      const range = parseRange(request.query);
      const limit = parseLimit(request.query.limit);
      return query(ctx, (audit) => audit.securitySummary({ ...range, limit }));
    },
  );

  typed.get(
    "/audit/security/events",
    { ...common, schema: { ...doc, querystring: EventsQuery, response: { 200: EventsPage, ...errors } } },
    async (request) => {
      const range = parseRange(request.query);
      const limit = parseLimit(request.query.limit);
      const page = await query(ctx, (audit) =>
        audit.securityEvents({
          ...range,
          limit,
          type: request.query.type,
          severity: request.query.severity,
          cursor: request.query.cursor,
        }),
      );
      return { events: [...page.items], nextCursor: page.nextCursor };
    },
  );

  typed.get(
    "/audit/decisions",
    {
      ...common,
      schema: { ...doc, querystring: DecisionsQuery, response: { 200: DecisionsPage, ...errors } },
    },
    async (request) => {
      const range = parseRange(request.query);
      const limit = parseLimit(request.query.limit);
      const page = await query(ctx, (audit) =>
        audit.decisions({
          ...range,
          limit,
          policyId: request.query.policy_id,
          decision: request.query.decision,
          cursor: request.query.cursor,
        }),
      );
      return { decisions: [...page.items], nextCursor: page.nextCursor };
    },
  );

  typed.get(
    "/audit/decisions/:executionId",
    { ...common, schema: { ...doc, params: ExecutionParams, response: { 200: DecisionDetail, ...errors } } },
    async (request) => {
      const decision = await query(ctx, (audit) => audit.decision(request.params.executionId));
      if (!decision)
        throw new ApiError(
          404,
          ErrorCode.notFound,
          `no decision for executionId ${request.params.executionId}`,
        );
      return decision;
    },
  );

  typed.get(
    "/audit/verifications/:executionId",
    { ...common, schema: { ...doc, params: ExecutionParams, response: { 200: Verifications, ...errors } } },
    async (request) =>
      query(ctx, async (audit) => (await audit.verifications(request.params.executionId)) as never),
  );

  // Kept in memory by this process (no audit database needed): the counts since it started and the latest
  // disagreements, newest first. parmana_shadow_evaluations_total aggregates across replicas.
  typed.get(
    "/audit/shadow",
    { ...common, schema: { ...doc, querystring: ShadowQuery, response: { 200: ShadowReport, ...errors } } },
    (request) => Promise.resolve(ctx.shadow.snapshot(parseLimit(request.query.limit))),
  );

  typed.get(
    "/audit/checkpoint",
    { ...common, schema: { ...doc, response: { 200: LogCheckpoint, ...errors } } },
    async () => {
      const checkpoint = await fromLog(ctx, (log) => log.latestCheckpoint());
      if (!checkpoint) throw new ApiError(404, ErrorCode.notFound, "the decision log has no checkpoint yet");
      return { size: checkpoint.size, root: b64(checkpoint.root), note: checkpoint.note };
    },
  );

  typed.get(
    "/audit/decisions/:executionId/proof",
    {
      ...common,
      schema: { ...doc, params: ExecutionParams, response: { 200: DecisionLogProof, ...errors } },
    },
    async (request) => {
      const found = await fromLog(ctx, (log) => log.proof(request.params.executionId));
      if (!found)
        throw new ApiError(
          404,
          ErrorCode.notFound,
          `executionId ${request.params.executionId} is not in a checkpoint of the decision log (yet)`,
        );
      return {
        executionId: found.executionId,
        index: found.index,
        leafHash: b64(found.leafHash),
        treeSize: found.checkpoint.size,
        proof: found.proof.map(b64),
        checkpoint: found.checkpoint.note,
      };
    },
  );

  typed.get(
    "/audit/consistency",
    {
      ...common,
      schema: { ...doc, querystring: ConsistencyQuery, response: { 200: LogConsistency, ...errors } },
    },
    async (request) =>
      fromLog(ctx, async (log) => {
        const latest = await log.latestCheckpoint();
        const from = Number(request.query.from);
        const to = request.query.to === undefined ? (latest?.size ?? 0) : Number(request.query.to);
        if (!latest || to > latest.size || from > to)
          throw new ApiError(
            400,
            ErrorCode.validationFailed,
            `from and to must be tree sizes with from ≤ to ≤ ${String(latest?.size ?? 0)} (the latest checkpoint)`,
          );
        return { from, to, proof: (await log.consistency(from, to)).map(b64) };
      }),
  );

  typed.get(
    "/audit/stats",
    { ...common, schema: { ...doc, response: { 200: Stats, ...errors } } },
    async () => query(ctx, (audit) => audit.stats()),
  );
}
