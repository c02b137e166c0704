// Request parsing in-process: what cannot be read as the route's JSON is refused before any decision, with
// the API's envelope and a stable code, and nothing is stored.
import { test } from "node:test";
import assert from "node:assert/strict";
import { build } from "../support/app.ts";
import { executeBody } from "../support/server.ts";

test("inprocess.parsing: broken, empty, oversized, prototype-polluting and non-JSON bodies are refused by code", async (t) => {
  const s = await build(t, () => ({}), { PARMANA_RATE_LIMIT_EXECUTE: "1000" });
  const cases: [string, string, string, number, string][] = [
    ["truncated JSON", '{"executionId":', "application/json", 400, "INVALID_JSON"],
    ["no body", "", "application/json", 400, "INVALID_JSON"],
    ["a top-level string", '"execute"', "application/json", 400, "VALIDATION_FAILED"],
    ["__proto__ smuggled in", '{"__proto__":{"admin":true}}', "application/json", 400, "INVALID_JSON"],
    [
      "a body over 64 KiB",
      JSON.stringify(executeBody("big", { note: "x".repeat(70_000) })),
      "application/json",
      413,
      "BODY_TOO_LARGE",
    ],
    ["form-encoded", "executionId=x", "application/x-www-form-urlencoded", 415, "UNSUPPORTED_MEDIA_TYPE"],
  ];
  for (const [name, payload, type, status, code] of cases) {
    const r = await s.raw("/execute", s.keys.executor, payload, type);
    assert.deepEqual([r.status, r.body["code"]], [status, code], `${name}: ${JSON.stringify(r.body)}`);
    assert.equal(typeof r.body["error"], "string", name);
    assert.equal(typeof r.body["requestId"], "string", name);
  }
  assert.equal((await s.context.audit?.stats())?.decisions, 0, "nothing was decided");
});
