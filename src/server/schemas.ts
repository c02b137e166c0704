// Request and response schemas for every route. Types come from these (TypeBox), not written twice; the
// OpenAPI document at /openapi.json is built from them.
import { Type, type Static } from "typebox";

export const ErrorBody = Type.Object(
  {
    error: Type.String(),
    code: Type.String(),
    requestId: Type.String(),
  },
  { additionalProperties: true, $id: "Error" },
);

/** Response schemas for the error statuses a route can answer with. */
export function errorResponses<S extends number>(...statuses: S[]): Record<S, typeof ErrorBody> {
  return Object.fromEntries(statuses.map((status) => [status, ErrorBody])) as Record<S, typeof ErrorBody>;
}

const IDENTIFIER = "^[A-Za-z0-9._:-]+$";
export const ExecutionId = Type.String({ minLength: 1, maxLength: 200, pattern: IDENTIFIER });
const PolicyId = Type.String({ minLength: 1, maxLength: 63, pattern: "^[a-z0-9]([a-z0-9-]*[a-z0-9])?$" });
const PolicyVersion = Type.String({ minLength: 1, maxLength: 64, pattern: "^[0-9A-Za-z][0-9A-Za-z.+_-]*$" });
const Signals = Type.Record(Type.String({ maxLength: 64 }), Type.Unknown(), { maxProperties: 256 });

export const ExecuteBody = Type.Object(
  { executionId: ExecutionId, policyId: PolicyId, policyVersion: PolicyVersion, signals: Signals },
  { additionalProperties: false },
);
export type ExecuteBody = Static<typeof ExecuteBody>;

export const EvaluateBody = Type.Object(
  {
    executionId: Type.Optional(ExecutionId),
    policyId: PolicyId,
    policyVersion: PolicyVersion,
    signals: Signals,
    /** Also return why: each rule evaluated, its first failing leaf, and why evaluation stopped. */
    explain: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type EvaluateBody = Static<typeof EvaluateBody>;

const Hash = Type.String({ maxLength: 128 });
export const Decision = Type.Object({
  action: Type.String(),
  requires_override: Type.Boolean(),
  reason: Type.String(),
  ruleId: Type.String(),
});

/** Where a batch-signed attestation sits in its batch (PARMANA_SIGNING_MODE=batched); see the README. */
export const AttestationBatch = Type.Object(
  {
    leafIndex: Type.Integer({ minimum: 0 }),
    treeSize: Type.Integer({ minimum: 1 }),
    path: Type.Array(Type.String({ pattern: "^[0-9a-f]{64}$" }), { maxItems: 16 }),
  },
  { additionalProperties: false },
);

export const Attestation = Type.Object(
  {
    executionId: Type.String(),
    execution_fingerprint: Hash,
    policyId: Type.String(),
    policyVersion: Type.String(),
    schemaVersion: Type.String(),
    runtimeVersion: Type.String(),
    runtimeHash: Hash,
    signalsHash: Hash,
    decision: Decision,
    execution_state: Type.String(),
    bundleHash: Hash,
    manifestHash: Hash,
    bundleRevision: Type.Integer(),
    signerKeyId: Type.String(),
    issuedAt: Type.String(),
    signature: Type.String(),
    /** Present when signed in a batch: `signature` then covers the batch's Merkle root. */
    batch: Type.Optional(AttestationBatch),
  },
  { $id: "Attestation" },
);

export const ExecuteResponse = Type.Object({
  status: Type.String(),
  requires_override: Type.Boolean(),
  attestation: Attestation,
});

export const VerifyBody = Type.Object({}, { additionalProperties: true, maxProperties: 64 });

export const Checks = Type.Object({
  signature_verified: Type.Boolean(),
  runtime_verified: Type.Boolean(),
  schema_compatible: Type.Boolean(),
  bundle_verified: Type.Boolean(),
  trust_root_verified: Type.Boolean(),
});

export const VerifyResponse = Type.Object({
  valid: Type.Boolean(),
  checks: Checks,
  signerKeyId: Type.Union([Type.String(), Type.Null()]),
  reason: Type.Optional(Type.String()),
});

const Explanation = Type.Object({
  rules: Type.Array(
    Type.Object({
      ruleId: Type.String(),
      matched: Type.Boolean(),
      failedAt: Type.Optional(
        Type.Object({
          path: Type.String(),
          signal: Type.String(),
          operator: Type.String(),
          expected: Type.Unknown(),
          actual: Type.Unknown({ description: "the caller's value; null when the signal was not given" }),
          held: Type.Boolean({
            description: "true only under a not: the comparison held, so the rule failed",
          }),
        }),
      ),
    }),
  ),
  stopped: Type.String(),
  notEvaluated: Type.Array(Type.String()),
});

export const EvaluateResponse = Type.Object({
  wouldDecide: Type.String(),
  ruleMatched: Type.String(),
  reason: Type.String(),
  requires_override: Type.Boolean(),
  explanation: Type.Optional(Explanation),
});

export const OverrideBody = Type.Object(
  {
    executionId: ExecutionId,
    approved: Type.Boolean(),
    approvedBy: Type.String({ minLength: 1, maxLength: 200 }),
    approverRole: Type.String({ minLength: 1, maxLength: 100 }),
    reason: Type.String({ minLength: 1, maxLength: 1000 }),
  },
  { additionalProperties: false },
);
export type OverrideBody = Static<typeof OverrideBody>;

export const OverrideRecord = Type.Object({
  executionId: Type.String(),
  attestationHash: Type.String(),
  approved: Type.Boolean(),
  approvedBy: Type.String(),
  approverRole: Type.String(),
  reason: Type.String(),
  decidedAt: Type.String(),
  signerKeyId: Type.String(),
  signature: Type.String(),
});

export const OverrideResponse = Type.Object({
  executionId: Type.String(),
  status: Type.String(),
  override: OverrideRecord,
});

const Limit = Type.String({ pattern: "^[0-9]{1,7}$", description: "1–1000" });
const Timestamp = Type.String({ maxLength: 40, description: "ISO-8601, e.g. 2026-01-31T23:59:59Z" });
const Cursor = Type.String({ maxLength: 64, pattern: "^[A-Za-z0-9_-]+$" });

export const SecurityQuery = Type.Object(
  { limit: Type.Optional(Limit), from: Type.Optional(Timestamp), to: Type.Optional(Timestamp) },
  { additionalProperties: false },
);
export type SecurityQuery = Static<typeof SecurityQuery>;

export const SecuritySummary = Type.Array(
  Type.Object({
    event_type: Type.String(),
    severity: Type.String(),
    event_count: Type.String(),
    first_occurrence: Type.String(),
    last_occurrence: Type.String(),
  }),
);

export const EventsQuery = Type.Object(
  {
    limit: Type.Optional(Limit),
    from: Type.Optional(Timestamp),
    to: Type.Optional(Timestamp),
    cursor: Type.Optional(Cursor),
    type: Type.Optional(Type.String({ maxLength: 64, pattern: "^[a-z_]+$" })),
    severity: Type.Optional(
      Type.Union([
        Type.Literal("low"),
        Type.Literal("medium"),
        Type.Literal("high"),
        Type.Literal("critical"),
      ]),
    ),
  },
  { additionalProperties: false },
);
export type EventsQuery = Static<typeof EventsQuery>;

const Nullable = Type.Union([Type.String(), Type.Null()]);
export const EventsPage = Type.Object({
  events: Type.Array(
    Type.Object({
      id: Type.String(),
      event_id: Type.String(),
      event_type: Type.String(),
      severity: Type.String(),
      occurred_at: Type.String(),
      occurrences: Type.Integer(),
      client_ip: Nullable,
      user_agent: Nullable,
      method: Nullable,
      path: Nullable,
      api_key_id: Nullable,
      execution_id: Nullable,
      execution_fingerprint: Nullable,
      policy_id: Nullable,
      policy_version: Nullable,
      request_id: Nullable,
      trace_id: Type.Optional(Nullable),
      details: Type.Unknown(),
      prev_hash: Type.String(),
      row_hash: Type.String(),
    }),
  ),
  nextCursor: Nullable,
});

export const DecisionsQuery = Type.Object(
  {
    limit: Type.Optional(Limit),
    from: Type.Optional(Timestamp),
    to: Type.Optional(Timestamp),
    cursor: Type.Optional(Cursor),
    policy_id: Type.Optional(PolicyId),
    decision: Type.Optional(Type.String({ maxLength: 64, pattern: "^[a-z][a-z0-9_]*$" })),
  },
  { additionalProperties: false },
);
export type DecisionsQuery = Static<typeof DecisionsQuery>;

const DecisionSummary = Type.Object({
  executionId: Type.String(),
  policyId: Type.String(),
  policyVersion: Type.String(),
  decision: Type.String(),
  ruleId: Type.String(),
  executionState: Type.String(),
  requiresOverride: Type.Boolean(),
  issuedAt: Type.String(),
});

export const DecisionsPage = Type.Object({ decisions: Type.Array(DecisionSummary), nextCursor: Nullable });
export const DecisionDetail = Type.Object({ ...DecisionSummary.properties, attestation: Attestation });
export const ExecutionParams = Type.Object({ executionId: ExecutionId });

const Base64Hash = Type.String({ description: "a SHA-256 hash, base64" });
export const LogCheckpoint = Type.Object({
  size: Type.Integer({ minimum: 1 }),
  root: Base64Hash,
  note: Type.String({ description: "the checkpoint as a C2SP signed note (c2sp.org/tlog-checkpoint)" }),
});
export const DecisionLogProof = Type.Object({
  executionId: ExecutionId,
  index: Type.Integer({ minimum: 0, description: "the decision's leaf index" }),
  leafHash: Base64Hash,
  treeSize: Type.Integer({ minimum: 1 }),
  proof: Type.Array(Base64Hash, { description: "the RFC 9162 inclusion proof against the checkpoint" }),
  checkpoint: Type.String({ description: "the signed note the proof is against" }),
});
const TreeSize = Type.String({ pattern: "^[1-9][0-9]{0,14}$", description: "a tree size" });
export const ConsistencyQuery = Type.Object(
  { from: TreeSize, to: Type.Optional(TreeSize) },
  { additionalProperties: false },
);
export const LogConsistency = Type.Object({
  from: Type.Integer({ minimum: 1 }),
  to: Type.Integer({ minimum: 1 }),
  proof: Type.Array(Base64Hash, {
    description: "the RFC 9162 consistency proof from the tree of from to to",
  }),
});

export const Verifications = Type.Array(
  Type.Object({ valid: Type.Boolean(), checks: Checks, signerKeyId: Nullable, verifiedAt: Type.String() }),
);

export const Stats = Type.Object({
  decisions: Type.Integer(),
  decisionsToday: Type.Integer(),
  verificationsValid: Type.Integer(),
  verificationsInvalid: Type.Integer(),
  securityEvents: Type.Integer(),
  apiCalls: Type.Integer(),
});

const ActiveBundle = Type.Object({
  policyId: Type.String(),
  policyVersion: Type.String(),
  bundleHash: Type.String(),
  signerKeyId: Type.String(),
  revision: Type.Integer(),
  shadowOf: Type.Optional(
    Type.String({
      description: "served in shadow of this version only; never decides for a caller who names it",
    }),
  ),
});
export const Policies = Type.Array(ActiveBundle);

export const RuntimeManifest = Type.Object({
  runtimeVersion: Type.String(),
  runtimeHash: Type.String(),
  capabilities: Type.Array(Type.String()),
  signerKeyIds: Type.Array(Type.String()),
  supportedSchemaVersions: Type.Array(Type.String()),
  activeBundles: Policies,
});

const HealthChecks = Type.Object({
  redis: Type.Boolean(),
  audit_db: Type.Boolean(),
  signing_key: Type.Boolean(),
  bundles: Type.Boolean(),
});

export const Health = Type.Object({
  status: Type.Union([Type.Literal("ok"), Type.Literal("degraded")]),
  runtimeVersion: Type.String(),
  runtimeHash: Type.String(),
  verification: Type.String(),
  audit_db: Type.Boolean(),
  redis: Type.Boolean(),
  signing_mode: Type.String(),
  signerKeyId: Type.String(),
  capabilities: Type.Array(Type.String()),
  supportedSchemaVersions: Type.Array(Type.String()),
  bundles: Type.Integer(),
  checks: HealthChecks,
});

export const Ready = Type.Object({ status: Type.String(), checks: HealthChecks });
export const Live = Type.Object({ status: Type.String() });

const ShadowOutcome = Type.Object({
  action: Type.Optional(Type.String()),
  ruleId: Type.Optional(Type.String()),
  requires_override: Type.Optional(Type.Boolean()),
  error: Type.Optional(
    Type.String({ description: "VAL-xxx when the shadow refused the signals, or NO_MATCHING_RULE" }),
  ),
});

export const ShadowQuery = Type.Object(
  { limit: Type.Optional(Type.String()) },
  { additionalProperties: false },
);

export const ShadowReport = Type.Object({
  summaries: Type.Array(
    Type.Object({
      policyId: Type.String(),
      enforcedVersion: Type.String(),
      shadowVersion: Type.String(),
      agreements: Type.Integer(),
      disagreements: Type.Integer(),
    }),
  ),
  disagreements: Type.Array(
    Type.Object({
      at: Type.String(),
      policyId: Type.String(),
      enforcedVersion: Type.String(),
      shadowVersion: Type.String(),
      shadowBundleHash: Type.String(),
      executionId: Type.String(),
      signalsHash: Type.String(),
      enforced: ShadowOutcome,
      shadow: ShadowOutcome,
    }),
  ),
});
