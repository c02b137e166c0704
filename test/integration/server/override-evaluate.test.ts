// /evaluate is a dry run (no replay slot, no audit row); /override resolves a pending decision exactly once
// with a record signed in its own domain.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parsePublicKey, SigningDomain, verifyPayload } from "../../../src/crypto/index.ts";
import { executeBody, post, startTestServer, uniqueId, REPLAY_SIGNALS } from "../../support/server.ts";

test("evaluate: answers what would be decided without consuming the executionId or writing audit", async (t) => {
  const s = await startTestServer(t);
  const id = uniqueId("dry");
  const dry = await post(
    `${s.url}/evaluate`,
    s.files.keys.executor,
    executeBody(id, { country: "IN", amount: 60_000 }),
  );
  assert.equal(dry.status, 200);
  assert.deepEqual(dry.body, {
    wouldDecide: "manual_review",
    ruleMatched: "large",
    reason: "large amount",
    requires_override: true,
  });
  assert.equal((await s.client("auditor").audit.stats())["decisions"], 0);
  assert.equal(
    (await post(`${s.url}/execute`, s.files.keys.executor, executeBody(id))).status,
    200,
    "the id is still free",
  );
});

test("override: a pending decision is resolved once, by the override scope, with a record signed in PARMANA_OVERRIDE_V1", async (t) => {
  const s = await startTestServer(t);
  const id = uniqueId("review");
  const pending = await post(
    `${s.url}/execute`,
    s.files.keys.executor,
    executeBody(id, { country: "IN", amount: 75_000 }),
  );
  assert.deepEqual(
    [pending.status, pending.body["status"], pending.body["requires_override"]],
    [200, "pending_override", true],
  );

  const request = {
    executionId: id,
    approved: true,
    approvedBy: "alice@example.com",
    approverRole: "credit-officer",
    reason: "collateral verified",
  };
  assert.equal(
    (await post(`${s.url}/override`, s.files.keys.executor, request)).status,
    403,
    "execute scope cannot override",
  );
  const resolved = await post(`${s.url}/override`, s.files.keys.approver, request);
  assert.equal(resolved.status, 200, JSON.stringify(resolved.body));
  assert.equal(resolved.body["status"], "overridden_approved");
  const { signature, ...unsigned } = resolved.body["override"] as Record<string, unknown> & {
    signature: string;
  };
  const key = parsePublicKey(s.files.signingPublicKeyPem);
  assert.ok(
    verifyPayload(SigningDomain.override, unsigned, signature, key),
    "the override record verifies in its own domain",
  );
  assert.ok(!verifyPayload(SigningDomain.attestation, unsigned, signature, key));

  const again = await post(`${s.url}/override`, s.files.keys.approver, request);
  assert.deepEqual([again.status, again.body["code"]], [409, "NOT_PENDING_OVERRIDE"]);
  const decision = await s.client("auditor").audit.decision(id);
  assert.equal(decision["executionState"], "overridden_approved");
  assert.equal(
    (await post(`${s.url}/execute`, s.files.keys.executor, executeBody(id, REPLAY_SIGNALS))).body["code"],
    "INV-013",
    "still consumed",
  );

  const completed = uniqueId("done");
  await post(`${s.url}/execute`, s.files.keys.executor, executeBody(completed));
  assert.equal(
    (await post(`${s.url}/override`, s.files.keys.approver, { ...request, executionId: completed })).status,
    409,
  );
  assert.equal(
    (await post(`${s.url}/override`, s.files.keys.approver, { ...request, executionId: uniqueId("none") }))
      .status,
    404,
  );
});
