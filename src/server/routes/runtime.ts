// /runtime/manifest and /policies: who this runtime is and which verified bundles it serves.
import type { FastifyInstance } from "fastify";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import { SUPPORTED_SCHEMA_VERSIONS } from "../../policy/index.ts";
import { capabilities, type ServerContext } from "../context.ts";
import { errorResponses, Policies, RuntimeManifest } from "../schemas.ts";

function activeBundles(ctx: ServerContext): {
  policyId: string;
  policyVersion: string;
  bundleHash: string;
  signerKeyId: string;
  revision: number;
  shadowOf?: string;
}[] {
  return ctx.bundles.list().map((b) => {
    const shadowOf = ctx.config.shadowBundles.find(
      (s) => s.policyId === b.policyId && s.shadowVersion === b.policyVersion,
    )?.enforcedVersion;
    return {
      policyId: b.policyId,
      policyVersion: b.policyVersion,
      bundleHash: b.bundleHash,
      signerKeyId: b.signerKeyIds.join(","),
      revision: b.revision,
      // Served in shadow only: evaluated beside shadowOf, never for a caller who names it.
      ...(shadowOf !== undefined && { shadowOf }),
    };
  });
}

export function runtimeRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();
  const errors = errorResponses(401, 403, 429);
  typed.get(
    "/runtime/manifest",
    {
      config: { scope: "verify" },
      schema: {
        tags: ["runtime"],
        security: [{ bearer: [] }],
        response: { 200: RuntimeManifest, ...errors },
      },
    },
    () => ({
      runtimeVersion: ctx.runtime.runtimeVersion,
      runtimeHash: ctx.runtime.runtimeHash,
      capabilities: capabilities(ctx),
      signerKeyIds: [ctx.signer.keyId],
      supportedSchemaVersions: [...SUPPORTED_SCHEMA_VERSIONS],
      activeBundles: activeBundles(ctx),
    }),
  );
  typed.get(
    "/policies",
    {
      config: { scope: "verify" },
      schema: { tags: ["runtime"], security: [{ bearer: [] }], response: { 200: Policies, ...errors } },
    },
    () => activeBundles(ctx),
  );
}
