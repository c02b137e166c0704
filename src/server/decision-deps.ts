// The decisions' ports over what the server composed: its bundles, replay store, decision log, event bus,
// key, clock, metrics and logger.
import type { FastifyBaseLogger } from "fastify";
import { systemClock, type Clock, type DecisionDeps } from "../decisions/index.ts";
import type { ServerContext } from "./context.ts";
import { shadowCatalog } from "./shadow-bundles.ts";

export function decisionDeps(
  ctx: ServerContext,
  logger: FastifyBaseLogger,
  clock: Clock = systemClock,
): DecisionDeps {
  return {
    bundles: shadowCatalog(ctx.bundles, ctx.config.shadowBundles),
    shadow: ctx.shadow,
    replay: ctx.replay,
    decisionLog: ctx.decisionLog,
    events: ctx.events,
    signer: ctx.signer,
    ...(ctx.issuer && { issuer: ctx.issuer }),
    clock,
    runtime: ctx.runtime,
    auditRequired: ctx.config.auditRequired,
    observer: {
      replayStoreDuration: (operation, seconds) => {
        ctx.metrics.replayStoreDuration.observe({ operation }, seconds);
      },
      auditWriteDuration: (seconds) => {
        ctx.metrics.auditWriteDuration.observe({ table: "audit_decisions" }, seconds);
      },
      warn: (message, error) => {
        logger.warn({ err: error }, message);
      },
      error: (message, error) => {
        logger.error({ err: error }, message);
      },
    },
  };
}
