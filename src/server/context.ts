// What the routes work with: built once at start (see start.ts) and passed to buildApp.
import type { ReplayRedis } from "../replay/index.ts";
import type { SigningKey } from "../crypto/index.ts";
import type { ReplayStore } from "../replay/index.ts";
import type { AuditStore, DecisionMerkleLog } from "../audit/index.ts";
import type { AttestationIssuer, Clock, DecisionLog } from "../decisions/index.ts";
import type { SecurityEventBus } from "../events/index.ts";
import type { ApiKey, ApiKeyRing, Scope } from "./api-keys.ts";
import type { BundleRegistry } from "./bundle-registry.ts";
import type { ServerConfig } from "./config.ts";
import type { ServerMetrics } from "./metrics.ts";
import type { RuntimeIdentity } from "./runtime.ts";
import type { ApiAccessLog } from "./access-log.ts";
import type { ShadowLog } from "./shadow-log.ts";

export interface ServerContext {
  readonly config: ServerConfig;
  readonly bundles: BundleRegistry;
  readonly replay: ReplayStore;
  readonly audit: AuditStore | undefined;
  /** The decisions' log (the audit store's, unless a test puts another in its place). */
  readonly decisionLog: DecisionLog | undefined;
  readonly clock: Clock;
  readonly events: SecurityEventBus;
  readonly keys: ApiKeyRing;
  readonly signer: SigningKey;
  /** Signs in batches (PARMANA_SIGNING_MODE=batched); absent: each attestation alone. */
  readonly issuer?: AttestationIssuer | undefined;
  readonly runtime: RuntimeIdentity;
  readonly metrics: ServerMetrics;
  /** Shared rate-limit counters; without it limits are per process (dev only). */
  readonly redis: ReplayRedis | undefined;
  readonly accessLog: ApiAccessLog | undefined;
  /** Shadow evaluations: counted, the latest disagreements kept (GET /audit/shadow). */
  readonly shadow: ShadowLog;
  /** The verifiable decision log (absent without Postgres, or when PARMANA_DECISION_LOG=false). */
  readonly merkleLog?: DecisionMerkleLog | undefined;
}

declare module "fastify" {
  interface FastifyRequest {
    /** The authenticated API key, when the request carried a valid one. */
    apiKey: ApiKey | undefined;
    /** Why authentication failed, when it did. */
    authProblem: "missing" | "malformed" | "unknown" | undefined;
  }
  interface FastifyContextConfig {
    /** The scope a route requires; routes without one are public. */
    scope?: Scope;
  }
}

/** What this runtime offers, naming the stores it really uses. */
export function capabilities(ctx: ServerContext): string[] {
  return [
    "execute",
    "verify",
    "evaluate",
    "override",
    `replay-protection:${ctx.replay.kind}`,
    "attestation:ed25519",
    ...(ctx.issuer ? ["attestation:batched"] : []),
    ...(ctx.audit ? [`audit:${ctx.audit.kind}`] : []),
    "security-events",
  ];
}
