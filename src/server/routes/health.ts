// /health, /health/live, /health/ready: unauthenticated, cheap, and honest about dependencies.
import type { FastifyInstance } from "fastify";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import { SUPPORTED_SCHEMA_VERSIONS } from "../../policy/index.ts";
import type { Drain } from "../../http/index.ts";
import { capabilities, type ServerContext } from "../context.ts";
import { ErrorBody, Health, Live, Ready } from "../schemas.ts";

async function checks(
  ctx: ServerContext,
): Promise<{ redis: boolean; audit_db: boolean; signing_key: boolean; bundles: boolean }> {
  const [redis, auditDb] = await Promise.all([
    ctx.replay.ping(),
    ctx.audit ? ctx.audit.ping() : Promise.resolve(false),
  ]);
  return { redis, audit_db: auditDb, signing_key: true, bundles: ctx.bundles.size > 0 };
}

export function healthRoutes(app: FastifyInstance, ctx: ServerContext, drain?: Drain): void {
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();
  typed.get(
    "/health",
    { schema: { tags: ["health"], response: { 200: Health, 429: ErrorBody } } },
    async () => {
      const c = await checks(ctx);
      const healthy = c.redis && c.bundles && (c.audit_db || !ctx.config.auditRequired);
      return {
        status: healthy ? ("ok" as const) : ("degraded" as const),
        runtimeVersion: ctx.runtime.runtimeVersion,
        runtimeHash: ctx.runtime.runtimeHash,
        verification: "ed25519-bundles-and-attestations",
        audit_db: c.audit_db,
        redis: c.redis,
        signing_mode: "ed25519",
        signerKeyId: ctx.signer.keyId,
        capabilities: capabilities(ctx),
        supportedSchemaVersions: [...SUPPORTED_SCHEMA_VERSIONS],
        bundles: ctx.bundles.size,
        checks: c,
      };
    },
  );
  typed.get("/health/live", { schema: { tags: ["health"], response: { 200: Live } } }, () => ({
    status: "ok",
  }));
  typed.get(
    "/health/ready",
    { schema: { tags: ["health"], response: { 200: Ready, 503: Ready } } },
    async (_request, reply) => {
      const c = await checks(ctx);
      const ready = c.redis && c.signing_key && c.bundles && drain?.draining !== true;
      const status = drain?.draining === true ? "draining" : ready ? "ready" : "not_ready";
      return reply.status(ready ? 200 : 503).send({ status, checks: c });
    },
  );
}
