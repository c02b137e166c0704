// Authentication, scopes and rate limits in-process: refusals carry the API's envelope and are
// unauthorized_access / rate_limit_exceeded events; limits announce themselves in headers.
import { test } from "node:test";
import assert from "node:assert/strict";
import { build } from "../support/app.ts";
import { executeBody, uniqueId } from "../support/server.ts";

test("inprocess.auth: no key 401 (with WWW-Authenticate), unknown key 401, wrong scope 403 — each an event", async (t) => {
  const s = await build(t);
  const none = await s.call("POST", "/execute", undefined, executeBody(uniqueId()));
  assert.deepEqual([none.status, none.body["code"]], [401, "UNAUTHORIZED"]);
  assert.match(String(none.headers["www-authenticate"]), /^Bearer realm="parmana"/);
  const unknown = await s.call("POST", "/execute", "pk_not_a_key_at_all_0000", executeBody(uniqueId()));
  assert.equal(unknown.status, 401);
  const scope = await s.call("GET", "/audit/security", s.keys.executor);
  assert.deepEqual([scope.status, scope.body["code"]], [403, "FORBIDDEN"]);
  const reasons = (await s.storedEvents())
    .filter((e) => e["event_type"] === "unauthorized_access")
    .map((e) => (e["details"] as { reason?: string }).reason)
    .sort();
  assert.deepEqual(reasons, ["missing", "scope", "unknown"]);
});

test("inprocess.rate-limit: the limit is announced in headers; past it, 429 RATE_LIMITED and a rate_limit_exceeded", async (t) => {
  const s = await build(t, () => ({}), { PARMANA_RATE_LIMIT_EXECUTE: "2" });
  const first = await s.call("POST", "/execute", s.keys.executor, executeBody(uniqueId()));
  assert.equal(first.headers["x-ratelimit-limit"], "2");
  await s.call("POST", "/execute", s.keys.executor, executeBody(uniqueId()));
  const over = await s.call("POST", "/execute", s.keys.executor, executeBody(uniqueId()));
  assert.deepEqual([over.status, over.body["code"]], [429, "RATE_LIMITED"]);
  assert.ok(over.headers["retry-after"] !== undefined);
  assert.ok((await s.storedEvents()).some((e) => e["event_type"] === "rate_limit_exceeded"));
});

test("inprocess.rate-limit: /execute's budget is counted with the reservation — and a request refused before it (bad body, unknown policy) counts too", async (t) => {
  const s = await build(t, () => ({}), { PARMANA_RATE_LIMIT_EXECUTE: "3" });
  const malformed = await s.call("POST", "/execute", s.keys.executor, { executionId: "x" });
  assert.equal(malformed.status, 400);
  const unknown = await s.call("POST", "/execute", s.keys.executor, {
    ...executeBody(uniqueId()),
    policyVersion: "9.9.9",
  });
  assert.equal(unknown.status, 404);
  const last = await s.call("POST", "/execute", s.keys.executor, executeBody(uniqueId()));
  assert.equal(last.status, 200);
  assert.deepEqual([last.headers["x-ratelimit-limit"], last.headers["x-ratelimit-remaining"]], ["3", "0"]);
  const over = await s.call("POST", "/execute", s.keys.executor, executeBody(uniqueId()));
  assert.deepEqual([over.status, over.body["code"], over.body["limit"]], [429, "RATE_LIMITED", 3]);
  assert.equal(over.headers["x-ratelimit-remaining"], "0");
  assert.ok(Number(over.headers["retry-after"]) > 0);
  const refusedOver = await s.call("POST", "/execute", s.keys.executor, {
    ...executeBody(uniqueId()),
    policyVersion: "9.9.9",
  });
  assert.equal(refusedOver.status, 429, "over the budget, a refused request is 429 as before");
  const events = (await s.storedEvents()).filter((e) => e["event_type"] === "rate_limit_exceeded");
  assert.ok(events.length >= 1);
});
