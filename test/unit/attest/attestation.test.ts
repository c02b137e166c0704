import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { canonicalize, sha256Hex, signPayload, SigningDomain } from "../../../src/crypto/index.ts";
import {
  executionFingerprint,
  signAttestation,
  signalsHash,
  verifyAttestation,
  type Attestation,
} from "../../../src/attest/index.ts";
import { newSigningKey } from "../../support/bundles.ts";
import { SAMPLE_SIGNALS, sampleAttestationInput } from "../../support/attestations.ts";

const key = newSigningKey();
const signals = SAMPLE_SIGNALS;
const input = sampleAttestationInput();

test("attest: fingerprint and signals hash are SHA-256 over the canonical JSON the spec names", () => {
  assert.equal(
    executionFingerprint("loan-approval", "1.2.0", signals),
    sha256Hex(canonicalize({ policyId: "loan-approval", policyVersion: "1.2.0", signals })),
  );
  assert.equal(signalsHash({ b: 1, a: 2 }), sha256Hex('{"a":2,"b":1}'));
  assert.equal(
    executionFingerprint("p", "1", { b: 1, a: 2 }),
    executionFingerprint("p", "1", { a: 2, b: 1 }),
  );
});

test("attest: a signed attestation verifies with only the public key, and states its decision", () => {
  const attestation = signAttestation(input, key);
  assert.equal(attestation.signerKeyId, key.keyId);
  assert.equal(attestation.execution_state, "completed");
  assert.equal(
    signAttestation({ ...input, decision: { ...input.decision, requires_override: true } }, key)
      .execution_state,
    "pending_override",
  );
  const result = verifyAttestation(JSON.parse(JSON.stringify(attestation)), [key.publicKey]);
  assert.deepEqual(result, {
    valid: true,
    checks: {
      signature_verified: true,
      runtime_verified: true,
      schema_compatible: true,
      bundle_verified: true,
      trust_root_verified: true,
    },
    signerKeyId: key.keyId,
  });
});

test("attest: changing any field, or adding one, breaks the signature", () => {
  const attestation = signAttestation(input, key) as unknown as Record<string, unknown>;
  const edits: Record<string, unknown> = {
    executionId: "loan-43",
    execution_fingerprint: "0".repeat(64),
    policyVersion: "1.2.1",
    signalsHash: "1".repeat(64),
    decision: { action: "approve", requires_override: false, reason: "default", ruleId: "large" },
    execution_state: "pending_override",
    bundleRevision: 8,
    issuedAt: "2026-11-26T12:00:01.000Z",
    runtimeHash: `sha256:${"aa".repeat(32)}`,
    extra: "field",
  };
  for (const [field, value] of Object.entries(edits)) {
    const result = verifyAttestation({ ...attestation, [field]: value }, [key.publicKey]);
    assert.equal(result.checks.signature_verified, false, field);
    assert.equal(result.valid, false, field);
  }
});

test("attest: an untrusted signer, a signature from another domain, unknown schema and a different bundle are each caught", () => {
  const attestation = signAttestation(input, key);
  const stranger = verifyAttestation(attestation, [newSigningKey().publicKey]);
  assert.deepEqual([stranger.valid, stranger.checks.trust_root_verified], [false, false]);

  const { signature: _s, ...unsigned } = attestation;
  const crossDomain = { ...attestation, signature: signPayload(SigningDomain.bundle, unsigned, key) };
  assert.equal(verifyAttestation(crossDomain, [key.publicKey]).checks.signature_verified, false);

  const future = verifyAttestation(attestation, [key.publicKey], { supportedSchemaVersions: ["2.0.0"] });
  assert.deepEqual([future.valid, future.checks.schema_compatible], [false, false]);

  const otherBundle = verifyAttestation(attestation, [key.publicKey], {
    findBundle: () => ({ bundleHash: attestation.bundleHash, manifestHash: `sha256:${"00".repeat(32)}` }),
  });
  assert.deepEqual([otherBundle.valid, otherBundle.checks.bundle_verified], [false, false]);
  const runtime = verifyAttestation(attestation, [key.publicKey], { trustedRuntimeHashes: ["sha256:other"] });
  assert.deepEqual([runtime.valid, runtime.checks.runtime_verified], [false, false]);
});

test("attest: hostile input is reported invalid, never thrown (property)", () => {
  const attestation = signAttestation(input, key);
  fc.assert(
    fc.property(fc.anything(), fc.string({ unit: "binary" }), (junk, text) => {
      assert.equal(verifyAttestation(junk, [key.publicKey]).valid, false);
      const poisoned = { ...attestation, reason: undefined, executionId: text } as unknown as Attestation;
      const result = verifyAttestation(poisoned, [key.publicKey]);
      assert.equal(result.valid, text === attestation.executionId);
    }),
    { numRuns: 500 },
  );
});
