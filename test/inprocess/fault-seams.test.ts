// The two seams where a fault once lost what the product promises, with the failure injected at the port:
// an override whose decision-log write fails stays retryable; a replay that only the decision log catches
// (the replay store forgot the id) is recorded like any replay, and the store learns the id again.
import { test } from "node:test";
import assert from "node:assert/strict";
import { AuditUnavailableError } from "../../src/audit/index.ts";
import type { DecisionLog } from "../../src/decisions/index.ts";
import { DEFAULT_REPLAY_TIMINGS, MemoryReplayStore, type ReplayStore } from "../../src/replay/index.ts";
import { build } from "../support/app.ts";
import { executeBody, overrideBody, REVIEW_SIGNALS, uniqueId, REPLAY_SIGNALS } from "../support/server.ts";

/** A decision log whose next `failures` override writes fail as a database error would. */
function failingOverrides(log: DecisionLog, failures: number): DecisionLog {
  let left = failures;
  return {
    recordDecision: (e) => log.recordDecision(e),
    recordVerification: (e) => log.recordVerification(e),
    decision: (id) => log.decision(id),
    recordOverride: (e) => {
      if (left-- > 0) return Promise.reject(new AuditUnavailableError("audit database failed"));
      return log.recordOverride(e);
    },
  };
}

/** A replay store that can lose everything it knows (as a Redis that lost its data). */
class ForgetfulReplayStore implements ReplayStore {
  readonly kind = "memory" as const;
  #inner = new MemoryReplayStore();
  forgetAll(): void {
    this.#inner = new MemoryReplayStore();
  }
  reserve: ReplayStore["reserve"] = (id, fp) => this.#inner.reserve(id, fp);
  complete: ReplayStore["complete"] = (id, token, state) => this.#inner.complete(id, token, state);
  fail: ReplayStore["fail"] = (id, token) => this.#inner.fail(id, token);
  resolveOverride: ReplayStore["resolveOverride"] = (id) => this.#inner.resolveOverride(id);
  state: ReplayStore["state"] = (id) => this.#inner.state(id);
  ping: ReplayStore["ping"] = () => this.#inner.ping();
  close: ReplayStore["close"] = () => this.#inner.close();
}

test("inprocess.fault: an override whose log write fails changes nothing and succeeds when retried", async (t) => {
  const s = await build(t, (ctx) => ({
    decisionLog: ctx.decisionLog && failingOverrides(ctx.decisionLog, 1),
  }));
  const id = uniqueId("review");
  await s.call("POST", "/execute", s.keys.executor, executeBody(id, REVIEW_SIGNALS));
  const request = overrideBody(id, false);
  const failed = await s.call("POST", "/override", s.keys.approver, request);
  assert.deepEqual([failed.status, failed.body["code"]], [503, "AUDIT_DB_UNAVAILABLE"]);
  assert.equal(await s.context.replay.state(id), "PENDING_OVERRIDE", "the replay store was not moved");
  assert.equal((await s.context.audit?.decision(id))?.executionState, "pending_override");
  const retried = await s.call("POST", "/override", s.keys.approver, request);
  assert.deepEqual([retried.status, retried.body["status"]], [200, "overridden_rejected"]);
  assert.equal((await s.context.audit?.decision(id))?.executionState, "overridden_rejected");
});

test("inprocess.fault: a replay caught only by the decision log is a replay_attempt, and the store learns the id again", async (t) => {
  const replay = new ForgetfulReplayStore();
  const s = await build(t, () => ({ replay }));
  const id = uniqueId();
  assert.equal((await s.call("POST", "/execute", s.keys.executor, executeBody(id))).status, 200);
  replay.forgetAll();
  const caught = await s.call("POST", "/execute", s.keys.executor, executeBody(id, REPLAY_SIGNALS));
  assert.deepEqual([caught.status, caught.body["code"]], [422, "INV-013"]);
  assert.equal(await replay.state(id), "CONFIRMED", "the store knows the id as consumed again");
  const again = await s.call("POST", "/execute", s.keys.executor, executeBody(id, REPLAY_SIGNALS));
  assert.deepEqual([again.status, again.body["code"]], [422, "INV-013"]);
  const replays = (await s.storedEvents())
    .filter((e) => e["event_type"] === "replay_attempt" && e["execution_id"] === id)
    .map((e) => e["details"] as Record<string, unknown>)
    .reverse();
  assert.equal(replays.length, 2, "both replays recorded");
  assert.equal(replays[0]?.["detectedBy"], "decision_log");
  assert.deepEqual(
    [replays[1]?.["state"], replays[1]?.["detectedBy"]],
    ["CONFIRMED", undefined],
    "then the store refuses it first",
  );
});

test("inprocess.replay-window: an id older than the replay window is refused by the decision log, recorded, and re-learned", async (t) => {
  let now = 1_700_000_000_000;
  const replay = new MemoryReplayStore({ ...DEFAULT_REPLAY_TIMINGS, consumedTtlMs: 60_000 }, () => now);
  const s = await build(t, () => ({ replay }));
  const id = uniqueId("old");
  assert.equal((await s.call("POST", "/execute", s.keys.executor, executeBody(id))).status, 200);
  assert.equal(await replay.state(id), "CONFIRMED");
  now += 61_000;
  assert.equal(await replay.state(id), undefined, "past the window the store has forgotten the id");
  const replayed = await s.call("POST", "/execute", s.keys.executor, executeBody(id, REPLAY_SIGNALS));
  assert.deepEqual(
    [replayed.status, replayed.body["code"], replayed.body["attestation"]],
    [422, "INV-013", undefined],
  );
  assert.equal(await replay.state(id), "CONFIRMED", "and learns it again");
  const event = (await s.storedEvents()).find(
    (e) => e["event_type"] === "replay_attempt" && e["execution_id"] === id,
  );
  assert.equal((event?.["details"] as Record<string, unknown> | undefined)?.["detectedBy"], "decision_log");
});

test("inprocess.execute: a retry after the replay store forgot the id gets the original from the decision log", async (t) => {
  const replay = new ForgetfulReplayStore();
  const s = await build(t, () => ({ replay }));
  const id = uniqueId("forgot");
  const first = await s.call("POST", "/execute", s.keys.executor, executeBody(id));
  assert.equal(first.status, 200);
  replay.forgetAll();
  const retry = await s.call("POST", "/execute", s.keys.executor, executeBody(id));
  assert.equal(retry.status, 200, JSON.stringify(retry.body));
  assert.deepEqual(retry.body["attestation"], first.body["attestation"]);
  assert.equal(await replay.state(id), "CONFIRMED", "the store learns the id again");
  assert.equal((await s.storedEvents()).filter((e) => e["event_type"] === "replay_attempt").length, 0);
});
