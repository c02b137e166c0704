// A typical decision to attest, for tests and benchmarks.
import type { Attestation, AttestationInput } from "../../src/attest/index.ts";

export const SAMPLE_SIGNALS = { amount: 1000, country: "US", credit_score: 720, flagged: false };

export function sampleAttestationInput(overrides: Partial<AttestationInput> = {}): AttestationInput {
  return {
    executionId: "loan-42",
    policyId: "loan-approval",
    policyVersion: "1.2.0",
    schemaVersion: "1.0.0",
    signals: SAMPLE_SIGNALS,
    decision: { action: "approve", requires_override: false, reason: "default", ruleId: "default" },
    runtimeVersion: "0.1.0",
    runtimeHash: `sha256:${"ab".repeat(32)}`,
    bundleHash: `sha256:${"cd".repeat(32)}`,
    manifestHash: `sha256:${"ef".repeat(32)}`,
    bundleRevision: 7,
    issuedAt: new Date("2026-11-26T12:00:00.000Z"),
    ...overrides,
  };
}

/**
 * An attestation as the decision log stores it, unsigned (`signature: "sig"`): for the tests of what is built
 * from one (decision records, their renderings), not of its signature.
 */
export function unsignedAttestation(
  executionId: string,
  decision: { action: string; requiresOverride: boolean; ruleId?: string; reason?: string } = {
    action: "approve",
    requiresOverride: false,
  },
): Attestation {
  return {
    executionId,
    execution_fingerprint: "f".repeat(64),
    policyId: "loan-approval",
    policyVersion: "1.2.0",
    schemaVersion: "1.0.0",
    runtimeVersion: "0.1.0",
    runtimeHash: "sha256:" + "a".repeat(64),
    signalsHash: "b".repeat(64),
    decision: {
      action: decision.action,
      requires_override: decision.requiresOverride,
      reason: decision.reason ?? "r",
      ruleId: decision.ruleId ?? (decision.action === "approve" ? "default" : "large"),
    },
    execution_state: decision.requiresOverride ? "pending_override" : "completed",
    bundleHash: "sha256:" + "c".repeat(64),
    manifestHash: "sha256:" + "d".repeat(64),
    bundleRevision: 3,
    signerKeyId: "ed25519:0123456789abcdef",
    issuedAt: "2026-12-01T10:00:00.000Z",
    signature: "sig",
  };
}
