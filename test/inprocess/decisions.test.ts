// The decision routes in-process (app.inject, PGlite, the memory replay store): each executionId decides once,
// bad input gets its stable code, refused bundles and forged attestations are security events, and an
// override resolves a pending decision once.
import { test } from "node:test";
import assert from "node:assert/strict";
import { verifyAttestation, type Attestation } from "../../src/attest/index.ts";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { policyEvalCommand } from "../../src/cli/commands/policy-eval.ts";
import { build } from "../support/app.ts";
import { EXAMPLE_POLICY_DIR } from "../support/bundles.ts";
import { executeBody, overrideBody, REVIEW_SIGNALS, uniqueId, REPLAY_SIGNALS } from "../support/server.ts";

test("inprocess.execute: a signed, audited decision; the same id again is INV-013 and a replay_attempt", async (t) => {
  const s = await build(t);
  const id = uniqueId();
  const first = await s.call("POST", "/execute", s.keys.executor, executeBody(id));
  assert.equal(first.status, 200, JSON.stringify(first.body));
  const attestation = first.body["attestation"] as Attestation;
  assert.ok(verifyAttestation(attestation, [s.context.signer.publicKey]).valid);
  assert.equal((await s.context.audit?.decision(id))?.attestation.signature, attestation.signature);
  const again = await s.call("POST", "/execute", s.keys.executor, executeBody(id, REPLAY_SIGNALS));
  assert.deepEqual([again.status, again.body["code"]], [422, "INV-013"]);
  assert.equal(typeof again.body["requestId"], "string");
  const replays = (await s.storedEvents()).filter((e) => e["event_type"] === "replay_attempt");
  assert.equal(replays.length, 1);
  assert.equal(replays[0]?.["execution_id"], id);
});

test("inprocess.execute: bad input answers with the stable code and the API's envelope", async (t) => {
  const s = await build(t);
  const cases: [unknown, number, string][] = [
    [{ ...executeBody(uniqueId()), signals: { country: 7, amount: 1 } }, 422, "VAL-"],
    [{ ...executeBody(uniqueId()), policyVersion: "9.9.9" }, 404, "POLICY_NOT_FOUND"],
    [{ ...executeBody(uniqueId()), policyVersion: "1.1.0" }, 422, "INVALID_POLICY"],
    [{ executionId: "x" }, 400, "VALIDATION_FAILED"],
  ];
  for (const [body, status, code] of cases) {
    const r = await s.call("POST", "/execute", s.keys.executor, body);
    assert.equal(r.status, status, JSON.stringify(r.body));
    assert.ok(String(r.body["code"]).startsWith(code), JSON.stringify(r.body));
    assert.deepEqual(
      Object.keys(r.body)
        .filter((k) => ["error", "code", "requestId"].includes(k))
        .sort(),
      ["code", "error", "requestId"],
    );
  }
  assert.ok(
    (await s.storedEvents()).some(
      (e) => e["event_type"] === "invalid_policy" && e["policy_version"] === "1.1.0",
    ),
    "naming a refused bundle is an invalid_policy event",
  );
});

test("inprocess.evaluate-verify: a dry run consumes nothing; a forged attestation is a signature_failure", async (t) => {
  const s = await build(t);
  const id = uniqueId("dry");
  const dry = await s.call(
    "POST",
    "/evaluate",
    s.keys.executor,
    executeBody(id, { country: "IN", amount: 60_000 }),
  );
  assert.deepEqual(dry.body, {
    wouldDecide: "manual_review",
    ruleMatched: "large",
    reason: "large amount",
    requires_override: true,
  });
  const issued = await s.call("POST", "/execute", s.keys.executor, executeBody(id));
  assert.equal(issued.status, 200, "the dry run left the id free");
  const attestation = issued.body["attestation"] as Attestation;
  const valid = await s.call("POST", "/verify", s.keys.verifier, { attestation });
  assert.equal(valid.body["valid"], true);
  const forged = await s.call("POST", "/verify", s.keys.verifier, {
    attestation: { ...attestation, executionId: "forged" },
  });
  assert.deepEqual([forged.status, forged.body["valid"]], [200, false]);
  const junk = await s.call("POST", "/verify", s.keys.verifier, { hello: "world" });
  assert.equal(junk.status, 400);
  assert.ok((await s.storedEvents()).some((e) => e["event_type"] === "signature_failure"));
});

test("inprocess.override: pending → approved once (signed record); then 409; completed 409; unknown 404; wrong scope 403", async (t) => {
  const s = await build(t);
  const id = uniqueId("review");
  const pending = await s.call("POST", "/execute", s.keys.executor, executeBody(id, REVIEW_SIGNALS));
  assert.equal(pending.body["status"], "pending_override");
  const request = overrideBody(id);
  assert.equal((await s.call("POST", "/override", s.keys.executor, request)).status, 403);
  const resolved = await s.call("POST", "/override", s.keys.approver, request);
  assert.deepEqual([resolved.status, resolved.body["status"]], [200, "overridden_approved"]);
  assert.equal(await s.context.replay.state(id), "OVERRIDDEN");
  const again = await s.call("POST", "/override", s.keys.approver, request);
  assert.deepEqual([again.status, again.body["code"]], [409, "NOT_PENDING_OVERRIDE"]);
  const done = uniqueId("done");
  await s.call("POST", "/execute", s.keys.executor, executeBody(done));
  assert.equal(
    (await s.call("POST", "/override", s.keys.approver, { ...request, executionId: done })).status,
    409,
  );
  assert.equal(
    (await s.call("POST", "/override", s.keys.approver, { ...request, executionId: uniqueId("none") }))
      .status,
    404,
  );
});

test("inprocess.evaluate: explain returns the trace `parmana policy eval --explain --json` gives, from the same code", async (t) => {
  const s = await build(t);
  const signals = { credit_score: 700, country: "US", flagged: false, amount: 60_000 };
  const r = await s.call("POST", "/evaluate", s.keys.executor, {
    ...executeBody(uniqueId("why"), signals),
    explain: true,
  });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const work = await mkdtemp(join(tmpdir(), "parmana-explain-"));
  t.after(() => rm(work, { recursive: true, force: true }));
  await writeFile(join(work, "signals.json"), JSON.stringify(signals));
  const out: string[] = [];
  const code = await policyEvalCommand(
    [fileURLToPath(EXAMPLE_POLICY_DIR), "--signals", join(work, "signals.json"), "--explain", "--json"],
    { out: (line) => out.push(line), err: (line) => out.push(line) },
  );
  assert.equal(code, 0, out.join("\n"));
  const cli = JSON.parse(out.join("\n")) as { explanation: Record<string, unknown> };
  const { decision: _decision, ...trace } = cli.explanation;
  assert.deepEqual(r.body["explanation"], trace);
  assert.equal((r.body["explanation"] as { rules: unknown[] }).rules.length, 4);
  const plain = await s.call("POST", "/evaluate", s.keys.executor, executeBody(uniqueId("why"), signals));
  assert.equal(plain.body["explanation"], undefined, "no explanation unless asked");
});

test("inprocess.execute: a retry with the same signals gets the original attestation, byte for byte — no new signature, row or event", async (t) => {
  const s = await build(t);
  const id = uniqueId("retry");
  const first = await s.app.inject({
    method: "POST",
    url: "/execute",
    headers: { authorization: `Bearer ${s.keys.executor}`, "content-type": "application/json" },
    payload: executeBody(id),
  });
  assert.equal(first.statusCode, 200, first.body);
  assert.equal(first.headers["parmana-replayed"], undefined);
  const retry = await s.app.inject({
    method: "POST",
    url: "/execute",
    headers: { authorization: `Bearer ${s.keys.executor}`, "content-type": "application/json" },
    // The same signals in another order and spelling of the same JSON: the same fingerprint.
    payload: {
      ...executeBody(id),
      signals: { amount: 1000, flagged: false, country: "US", credit_score: 720 },
    },
  });
  assert.equal(retry.statusCode, 200, retry.body);
  assert.equal(retry.headers["parmana-replayed"], "true");
  assert.equal(retry.body, first.body, "the same response bytes");
  assert.equal(
    (await s.storedEvents()).filter((e) => e["event_type"] === "replay_attempt").length,
    0,
    "a retry is not a replay attempt",
  );
  const other = await s.call("POST", "/execute", s.keys.executor, executeBody(id, REPLAY_SIGNALS));
  assert.deepEqual([other.status, other.body["code"]], [422, "INV-013"], "other signals are a replay");
  assert.equal((await s.storedEvents()).filter((e) => e["event_type"] === "replay_attempt").length, 1);
});
