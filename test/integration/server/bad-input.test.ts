// Bad input gets a clear 4xx with a stable code, and nothing is stored.
import { test } from "node:test";
import assert from "node:assert/strict";
import { executeBody, get, post, startTestServer } from "../../support/server.ts";

test("input: malformed, mistyped, oversized, deep and hostile requests get stable 4xx codes and store nothing", async (t) => {
  const s = await startTestServer(t, { env: { PARMANA_RATE_LIMIT_EXECUTE: "1000" } });
  const key = s.files.keys.executor;
  const url = `${s.url}/execute`;
  const deep = (n: number): string => `${"[".repeat(n)}${"]".repeat(n)}`;
  const cases: [string, string | Record<string, unknown>, number, string][] = [
    ["malformed JSON", '{"executionId": "x",', 400, "INVALID_JSON"],
    ["empty body", "", 400, "INVALID_JSON"],
    ["a JSON array", "[1,2]", 400, "VALIDATION_FAILED"],
    ["executionId of the wrong type", { ...executeBody("x"), executionId: 42 }, 400, "VALIDATION_FAILED"],
    ["executionId too long", executeBody("x".repeat(201)), 400, "VALIDATION_FAILED"],
    ["executionId with a newline", executeBody("a\nb"), 400, "VALIDATION_FAILED"],
    ["an unknown field", { ...executeBody("x"), debug: true }, 400, "VALIDATION_FAILED"],
    [
      "a missing field",
      { executionId: "x", policyId: "loan-approval", signals: {} },
      400,
      "VALIDATION_FAILED",
    ],
    ["65 KiB body", executeBody("x", { applicant_note: "n".repeat(65 * 1024) }), 413, "BODY_TOO_LARGE"],
    [
      "10,000-deep nesting in a signal",
      `{"executionId":"deep","policyId":"loan-approval","policyVersion":"1.2.0","signals":{"credit_score":720,"country":"US","flagged":false,"amount":${deep(10_000)}}}`,
      422,
      "VAL-005",
    ],
    ["10,000-deep nesting as the body", deep(10_000), 400, "VALIDATION_FAILED"],
    ["a huge string signal", executeBody("x", { applicant_note: "n".repeat(20_000) }), 422, "VAL-010"],
    [
      "__proto__ in the body",
      '{"executionId":"p","policyId":"loan-approval","policyVersion":"1.2.0","signals":{"__proto__":{"flagged":true}}}',
      400,
      "INVALID_JSON",
    ],
    ["an unknown policy", { ...executeBody("x"), policyId: "no-such-policy" }, 404, "POLICY_NOT_FOUND"],
    ["an unknown version", { ...executeBody("x"), policyVersion: "9.9.9" }, 404, "POLICY_NOT_FOUND"],
    ["a signal of the wrong type", executeBody("x", { credit_score: "720" }), 422, "VAL-007"],
    ["a boolean given as 1", executeBody("x", { flagged: 1 }), 422, "VAL-006"],
    ["an undeclared signal", executeBody("x", { income: 1 }), 422, "VAL-003"],
  ];
  for (const [name, body, status, code] of cases) {
    const r = await post(url, key, body, typeof body === "string");
    assert.equal(r.status, status, `${name}: ${JSON.stringify(r.body).slice(0, 200)}`);
    assert.equal(r.body["code"], code, name);
    assert.equal(typeof r.body["requestId"], "string", name);
  }
  const notJson = await fetch(url, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "text/plain" },
    body: "hi",
  });
  assert.equal(notJson.status, 415);

  const auditor = s.files.keys.auditor;
  for (const query of [
    "policy_id=x'%20or%201=1--",
    "decision=approve;drop%20table%20audit_decisions",
    "cursor=%27%3B--",
  ]) {
    const r = await get(`${s.url}/audit/decisions?${query}`, auditor);
    assert.equal(r.status, 400, query);
  }
  assert.equal((await get(`${s.url}/audit/decisions/x'%20or%20'1'='1`, auditor)).status, 400);
  assert.equal((await get(`${s.url}/audit/security/events?type=replay_attempt'--`, auditor)).status, 400);

  const stats = await s.client("auditor").audit.stats();
  assert.equal(stats["decisions"], 0, "nothing was stored");
  const version = await get(`${s.url}/audit/decisions?limit=5`, auditor);
  assert.deepEqual((version.body as { decisions: unknown[] }).decisions, []);
});

test("input: request ids are taken when safe and echoed; unsafe ones are replaced", async (t) => {
  const s = await startTestServer(t);
  const given = await fetch(`${s.url}/health/live`, { headers: { "x-request-id": "trace-123" } });
  assert.equal(given.headers.get("x-request-id"), "trace-123");
  const unsafe = await fetch(`${s.url}/health/live`, { headers: { "x-request-id": "a b\tc" } });
  assert.match(unsafe.headers.get("x-request-id") ?? "", /^[0-9a-f-]{36}$/);
});

test("input: /openapi.json describes every route with request and response schemas", async (t) => {
  const s = await startTestServer(t);
  const doc = (await get(`${s.url}/openapi.json`, undefined)).body as {
    openapi: string;
    paths: Record<string, Record<string, { responses: object; requestBody?: object }>>;
  };
  assert.match(doc.openapi, /^3\./);
  for (const path of [
    "/execute",
    "/verify",
    "/evaluate",
    "/override",
    "/health",
    "/health/ready",
    "/audit/security",
    "/audit/security/events",
    "/audit/decisions",
    "/audit/decisions/{executionId}",
    "/audit/stats",
    "/policies",
    "/runtime/manifest",
  ]) {
    assert.ok(doc.paths[path], `${path} is documented`);
    for (const operation of Object.values(doc.paths[path]))
      assert.ok(Object.keys(operation.responses).includes("200"), `${path} has a 200 schema`);
  }
  assert.ok(doc.paths["/execute"]?.["post"]?.requestBody, "/execute documents its body");
});
