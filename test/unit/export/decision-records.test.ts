// Decision records for the decision-log export: the OCSF 1.3.0 and ECS 8.11.0 renderings validate against the
// standards' own definitions (vendored, test/fixtures/standards) with no error and no warning; deny-only keeps
// exactly the non-approvals and the overrides; sampling never drops those and keeps approvals at the ratio,
// the same way on every replica; only allowlisted signal values leave.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Attestation } from "../../../src/attest/index.ts";
import { decisionRecord, overrideRecord, type DecisionRecord } from "../../../src/export/decisions/record.ts";
import {
  isPlainApproval,
  keepDecision,
  parseDecisionMode,
  parseSignalAllowlist,
  sampleBucket,
  withAllowedSignals,
} from "../../../src/export/decisions/filter.ts";
import { ocsfDecision } from "../../../src/export/formats/decision-ocsf.ts";
import { ecsDecision } from "../../../src/export/formats/decision-ecs.ts";
import { validateOcsf } from "../../support/standards/ocsf.ts";
import { validateEcs } from "../../support/standards/ecs.ts";
import { unsignedAttestation } from "../../support/attestations.ts";

const attestation = (id: string, action: string, requiresOverride: boolean): Attestation =>
  unsignedAttestation(id, { action, requiresOverride });

const signals = { credit_score: 720, country: "IN", amount: 60_000, flagged: false };
const caller = { apiKeyId: "executor-1", requestId: "req-1", clientIp: "10.1.2.3" };
const records: [string, DecisionRecord][] = [
  ["approval", decisionRecord(attestation("e1", "approve", false), signals, caller)],
  [
    "rejection",
    decisionRecord(attestation("e2", "reject", false), signals, { apiKeyId: null, requestId: null }),
  ],
  ["review", decisionRecord(attestation("e3", "manual_review", true), signals, caller)],
];
records.push([
  "override",
  overrideRecord(records[2]?.[1] as DecisionRecord, {
    approved: true,
    approvedBy: "alice",
    approverRole: "officer",
    reason: "checked",
    decidedAt: new Date("2026-12-01T11:00:00Z"),
    apiKeyId: "approver-1",
  }),
]);

test("decision records: OCSF 1.3.0 API Activity with no error and no warning", () => {
  for (const [label, r] of records) {
    const doc = ocsfDecision(withAllowedSignals(r, new Set(["country"])));
    const report = validateOcsf(JSON.parse(JSON.stringify(doc)));
    assert.deepEqual(
      [...report.errors, ...report.warnings].map((f) => `${label}: ${f.type} at ${f.path}: ${f.message}`),
      [],
    );
    assert.equal(doc["class_uid"], 6003);
    assert.equal((doc["metadata"] as Record<string, unknown>)["correlation_uid"], r.execution_id);
  }
  assert.equal(
    ocsfDecision(records[3]?.[1] as DecisionRecord)["activity_name"],
    "Update",
    "an override updates",
  );
});

test("decision records: ECS 8.11.0 with no finding; event.type is one ECS expects for category api", () => {
  const types: string[] = [];
  for (const [label, r] of records) {
    const doc = ecsDecision(r);
    const report = validateEcs(JSON.parse(JSON.stringify(doc)));
    assert.deepEqual(
      report.findings.map((f) => `${label}: ${f.type} at ${f.field}: ${f.message}`),
      [],
    );
    assert.deepEqual(report.customNamespaces, ["parmana"]);
    types.push(...(doc["event"] as { type: string[] }).type);
  }
  assert.deepEqual(types, ["allowed", "denied", "info", "change"]);
});

test("decision records: deny-only is exactly the non-approvals and overrides; sampling keeps them all and approvals at the ratio", () => {
  const all = records.map(([, r]) => r);
  assert.deepEqual(
    all.filter((r) => keepDecision(r, parseDecisionMode("deny-only", "X"))).map((r) => r.record_id),
    ["decision:e2", "decision:e3", "override:e3"],
  );
  assert.deepEqual(all.map(isPlainApproval), [true, false, false, false]);
  const sampled = parseDecisionMode("sampled:0.25", "X");
  for (const r of all.slice(1)) assert.ok(keepDecision(r, sampled), `${r.record_id} is never sampled away`);
  const approvals = Array.from({ length: 20_000 }, (_, i) =>
    decisionRecord(attestation(`id-${String(i)}`, "approve", false), signals, caller),
  );
  const kept = approvals.filter((r) => keepDecision(r, sampled)).length / approvals.length;
  assert.ok(Math.abs(kept - 0.25) < 0.015, `kept ${String(kept)} of approvals at 0.25`);
  assert.equal(sampleBucket("id-7"), sampleBucket("id-7"), "the same on every replica and retry");
  assert.equal(approvals.filter((r) => keepDecision(r, parseDecisionMode("sampled:0", "X"))).length, 0);
  assert.equal(approvals.filter((r) => keepDecision(r, parseDecisionMode("sampled:1", "X"))).length, 20_000);
  for (const bad of ["some", "sampled:", "sampled:1.5", "sampled:-0.1", "sampled:abc"])
    assert.throws(
      () => parseDecisionMode(bad, "PARMANA_EXPORT_KAFKA_DECISIONS_MODE"),
      /all, deny-only or sampled/,
    );
});

test("decision records: only allowlisted signal values leave; the others are named, never valued", () => {
  const r = records[1]?.[1] as DecisionRecord;
  const allowed = parseSignalAllowlist(" country , amount ");
  const out = withAllowedSignals(r, allowed);
  assert.deepEqual(out.signals, { country: "IN", amount: 60_000 });
  assert.deepEqual(out.signals_withheld, ["credit_score", "flagged"]);
  const text = JSON.stringify([ocsfDecision(out), ecsDecision(out)]);
  assert.ok(!text.includes("720"), "a withheld value appears in no rendering");
  assert.deepEqual(
    withAllowedSignals(r, parseSignalAllowlist(undefined)).signals,
    {},
    "by default no value leaves",
  );
  assert.throws(() => parseSignalAllowlist("ok,not-a-name"), /not a signal name/);
});
