// A typical decision to attest, for tests and benchmarks.
import type { AttestationInput } from "../../src/attest/index.ts";

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
