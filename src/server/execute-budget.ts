// /execute's rate limit, counted by the replay store in the reservation's own atomic step (one Redis round trip
// for both, src/replay/redis.ts) instead of by the rate limiter's hook before it. The budget is the limiter's own
// counter (same key, same fixed window), so both count into one. Only where the store keeps budgets and the
// caller is authenticated; unauthenticated requests stay with the limiter (per IP), as do all other routes.
// A request the handler never sees (a body that fails its schema) is counted after its answer, in onSend.
import type { FastifyReply, FastifyRequest } from "fastify";
import type { RateBudget } from "../replay/index.ts";
import type { ServerContext } from "./context.ts";

const WINDOW_MS = 60_000;
const counted = new WeakSet<FastifyRequest>();

export function executeBudget(ctx: ServerContext, request: FastifyRequest): RateBudget | undefined {
  const apiKey = request.apiKey;
  if (request.routeOptions.url !== "/execute" || !apiKey || !ctx.replay.count) return undefined;
  return {
    // What @fastify/rate-limit names it: its namespace, then the key generator's `${route}|key:${id}`.
    key: `${ctx.config.rateLimits.namespace}/execute|key:${apiKey.id}`,
    max: ctx.config.rateLimits.execute,
    windowMs: WINDOW_MS,
  };
}

/** The handler took this request's budget in hand (it counts it, with the reservation or alone). */
export function budgetTaken(request: FastifyRequest): void {
  counted.add(request);
}

/** onSend: counts the budget of a request that was answered before its handler ran. */
export function countUnhandled(ctx: ServerContext, request: FastifyRequest): void {
  const budget = counted.has(request) ? undefined : executeBudget(ctx, request);
  if (budget) void ctx.replay.count?.(budget).catch(() => undefined);
}

/** The rate limiter's headers on an /execute answer whose budget was counted with its reservation. */
export function rateHeaders(
  reply: FastifyReply,
  rate: { readonly max: number; readonly count: number; readonly resetInMs: number },
  limited: boolean,
): void {
  const inSeconds = Math.max(0, Math.ceil(rate.resetInMs / 1000));
  void reply.header("x-ratelimit-limit", rate.max);
  void reply.header("x-ratelimit-remaining", Math.max(0, rate.max - rate.count));
  void reply.header("x-ratelimit-reset", inSeconds);
  if (limited) void reply.header("retry-after", inSeconds);
}
