// Which decisions and overrides enter the decision outbox (export/decisions/selection.ts): signals are
// allowlisted before a record is stored, and a record is stored when at least one sink's mode keeps it.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Attestation } from "../../../src/attest/index.ts";
import type { DecisionEntry } from "../../../src/decisions/index.ts";
import { DecisionSelection } from "../../../src/export/index.ts";

test("export.decisions: the selection allowlists signals before a record is stored, and stores what some sink keeps", () => {
  const entry = (action: string, requiresOverride: boolean): DecisionEntry => ({
    attestation: {
      executionId: `e-${action}`,
      signalsHash: "b".repeat(64),
      policyId: "p",
      policyVersion: "1.0.0",
      bundleHash: "sha256:" + "c".repeat(64),
      bundleRevision: 1,
      signerKeyId: "k",
      issuedAt: "2026-12-01T10:00:00.000Z",
      execution_state: requiresOverride ? "pending_override" : "completed",
      decision: { action, requires_override: requiresOverride, reason: "r", ruleId: "x" },
    } as Attestation,
    signals: { country: "IN", amount: 75_000 },
    apiKeyId: "executor",
    requestId: "req",
    clientIp: "10.0.0.1",
  });
  const denyOnly = new DecisionSelection([{ kind: "deny-only" }], new Set(["country"]));
  assert.equal(denyOnly.decision(entry("approve", false)), undefined, "no sink keeps a plain approval");
  const review = denyOnly.decision(entry("manual_review", true));
  assert.ok(review);
  assert.deepEqual(review.signals, { country: "IN" });
  assert.deepEqual(review.signals_withheld, ["amount"]);
  assert.equal(review.client_ip, "10.0.0.1");
  const both = new DecisionSelection([{ kind: "deny-only" }, { kind: "all" }], new Set());
  assert.equal(both.decision(entry("approve", false))?.record_id, "decision:e-approve", "one sink keeps all");
  const override = denyOnly.override(entry("manual_review", true).attestation, {
    executionId: "e-manual_review",
    approved: true,
    approvedBy: "alice",
    approverRole: "officer",
    reason: "ok",
    record: {},
    apiKeyId: "approver",
    clientIp: "10.0.0.2",
    decidedAt: new Date("2026-12-01T11:00:00.000Z"),
  });
  assert.deepEqual(
    [override?.record_id, override?.execution_state, override?.signals, override?.client_ip],
    ["override:e-manual_review", "overridden_approved", {}, "10.0.0.2"],
  );
  assert.equal(new DecisionSelection([], new Set()).decision(entry("reject", false)), undefined);
});
