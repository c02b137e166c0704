// The five security events, raised exactly where the spec says, stored in Postgres, and served aggregated by
// /audit/security (and the SDK) with from/to/limit honoured.
import { test } from "node:test";
import assert from "node:assert/strict";
import { eventually } from "../../support/kube.ts";
import { executeBody, get, post, startTestServer, uniqueId, REPLAY_SIGNALS } from "../../support/server.ts";
import type { SecuritySummaryRow } from "../../../src/client/index.ts";

test("server: each of the five events is raised where the spec says and /audit/security reports it", async (t) => {
  const s = await startTestServer(t, { env: { PARMANA_RATE_LIMIT_EXECUTE: "4" } });
  const { keys } = s.files;
  const before = new Date(Date.now() - 1000).toISOString();

  // replay_attempt: the same executionId twice.
  const id = uniqueId();
  assert.equal((await post(`${s.url}/execute`, keys.executor, executeBody(id))).status, 200);
  const replay = await post(`${s.url}/execute`, keys.executor, executeBody(id, REPLAY_SIGNALS));
  assert.equal(replay.status, 422);
  assert.equal(replay.body["code"], "INV-013");
  assert.match(String(replay.body["error"]), /^\[INV-013@replay\]/);

  // signature_failure: a tampered attestation at /verify.
  const issued = await post(`${s.url}/execute`, keys.executor, executeBody(uniqueId()));
  const attestation = issued.body["attestation"] as Record<string, unknown>;
  const forged = { ...attestation, decision: { ...(attestation["decision"] as object), action: "reject" } };
  const verified = await post(`${s.url}/verify`, keys.verifier, { attestation: forged });
  assert.equal(verified.status, 200);
  assert.equal(verified.body["valid"], false);
  assert.equal((verified.body["checks"] as Record<string, boolean>)["signature_verified"], false);

  // invalid_policy: a request naming the bundle that failed verification.
  const invalid = await post(`${s.url}/execute`, keys.executor, {
    ...executeBody(uniqueId()),
    policyVersion: "1.1.0",
  });
  assert.equal(invalid.status, 422);
  assert.equal(invalid.body["code"], "INVALID_POLICY");

  // rate_limit_exceeded: the 5th /execute in the minute with a limit of 4 (the key has used 4).
  const limited = await post(`${s.url}/execute`, keys.executor, executeBody(uniqueId()));
  assert.equal(limited.status, 429);
  assert.equal(limited.body["code"], "RATE_LIMITED");
  assert.deepEqual([limited.body["limit"], limited.body["remaining"]], [4, 0]);
  assert.ok(Number(limited.headers.get("retry-after")) > 0);
  assert.equal(limited.headers.get("x-ratelimit-remaining"), "0");

  // unauthorized_access: a missing key, a wrong key, and a key without the scope.
  const missing = await post(`${s.url}/execute`, undefined, executeBody(uniqueId()));
  assert.equal(missing.status, 401);
  assert.equal(missing.headers.get("www-authenticate"), 'Bearer realm="parmana"');
  assert.equal(
    (await post(`${s.url}/execute`, "pk_wrong_key_0000000000000000", executeBody(uniqueId()))).status,
    401,
  );
  const forbidden = await post(`${s.url}/execute`, keys.auditor, executeBody(uniqueId()));
  assert.deepEqual([forbidden.status, forbidden.body["code"]], [403, "FORBIDDEN"]);

  const expected: Record<string, [string, number]> = {
    replay_attempt: ["high", 1],
    signature_failure: ["critical", 1],
    invalid_policy: ["high", 2], // the tampered bundle at load, and the request naming it
    rate_limit_exceeded: ["medium", 1],
    unauthorized_access: ["high", 3],
  };
  const rows = await eventually("every event to be stored", async () => {
    const r = await get(`${s.url}/audit/security?limit=50&from=${before}`, keys.auditor);
    const list = r.body as SecuritySummaryRow[];
    const counts = Object.fromEntries(list.map((row) => [row.event_type, Number(row.event_count)]));
    return Object.entries(expected).every(([type, [, n]]) => counts[type] === n) ? list : undefined;
  });
  for (const row of rows) {
    const [severity] = expected[row.event_type] ?? [];
    assert.equal(row.severity, severity, row.event_type);
    assert.equal(typeof row.event_count, "string", "event_count is a string, for compatibility");
    assert.ok(row.first_occurrence <= row.last_occurrence);
    assert.match(row.first_occurrence, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  }
  assert.deepEqual(
    rows.map((r) => Number(r.event_count)),
    rows.map((r) => Number(r.event_count)).sort((a, b) => b - a),
    "ordered by count, descending",
  );

  // limit, and a window that excludes everything.
  assert.equal(((await get(`${s.url}/audit/security?limit=2`, keys.auditor)).body as unknown[]).length, 2);
  const future = await get(`${s.url}/audit/security?from=2999-01-01T00:00:00Z`, keys.auditor);
  assert.deepEqual(future.body, []);
  const past = await get(`${s.url}/audit/security?to=2001-01-01`, keys.auditor);
  assert.deepEqual(past.body, []);

  // The SDK returns exactly the same rows.
  const sdk = await s.client("auditor").audit.security({ from: before, limit: 50 });
  assert.deepEqual(sdk, rows);

  // Raw events carry the details the spec asks for.
  const raw = await s.client("auditor").audit.events({ type: "signature_failure", limit: 5 });
  const event = raw.events[0] ?? {};
  assert.equal(event["execution_id"], attestation["executionId"]);
  assert.equal(event["execution_fingerprint"], attestation["execution_fingerprint"]);
  assert.equal(event["severity"], "critical");
});

test("server: /audit/security rejects bad dates, from > to and limits out of range with 400 VALIDATION_FAILED", async (t) => {
  const s = await startTestServer(t);
  for (const query of [
    "from=yesterday",
    "to=2026-13-45",
    "from=2026-02-01&to=2026-01-01",
    "limit=0",
    "limit=1001",
    "limit=abc",
    "limit=5;drop",
    "unknown=1",
  ]) {
    const r = await get(`${s.url}/audit/security?${query}`, s.files.keys.auditor);
    assert.equal(r.status, 400, query);
    assert.equal((r.body as { code: string }).code, "VALIDATION_FAILED", query);
  }
});

test("server: floods of one event from one client are coalesced into rows whose occurrences keep the exact count", async (t) => {
  const s = await startTestServer(t);
  const before = new Date().toISOString();
  const attempts = 150;
  const guesses = await Promise.all(
    Array.from({ length: attempts }, (_, i) =>
      get(`${s.url}/policies`, `pk_guess_${String(i).padStart(24, "0")}`),
    ),
  );
  assert.ok(guesses.every((r) => r.status === 401 || r.status === 429));
  const unauthorized = guesses.filter((r) => r.status === 401).length;
  const limited = guesses.filter((r) => r.status === 429).length;
  const summary = await eventually("the coalesced counts to be written", async () => {
    const rows = (await get(`${s.url}/audit/security?from=${before}`, s.files.keys.auditor))
      .body as SecuritySummaryRow[];
    const byType = Object.fromEntries(rows.map((r) => [r.event_type, Number(r.event_count)]));
    return byType["unauthorized_access"] === unauthorized && (byType["rate_limit_exceeded"] ?? 0) === limited
      ? byType
      : undefined;
  });
  assert.equal(summary["unauthorized_access"], unauthorized);
  const stored = await s
    .client("auditor")
    .audit.events({ type: "unauthorized_access", from: before, limit: 1000 });
  assert.ok(
    stored.events.length < unauthorized,
    `${String(stored.events.length)} rows for ${String(unauthorized)} events: coalesced`,
  );
  assert.equal(
    stored.events.reduce((n, e) => n + Number(e["occurrences"]), 0),
    unauthorized,
  );
});
