// Batch-signed attestations: for random batches every attestation verifies alone with only the public key, and
// any altered field, path byte, index, size or signature fails; a batch's self-check catches a tampered member;
// the verifier's shape check bounds what it reads.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  SigningDomain,
  leafHash,
  signingMessage,
  treeHash,
  verifyPayload,
} from "../../../src/crypto/index.ts";
import {
  checkAttestationBatch,
  isAttestationShaped,
  signAttestation,
  signAttestationBatch,
  verifyAttestation,
  type Attestation,
} from "../../../src/attest/index.ts";
import { newSigningKey } from "../../support/bundles.ts";
import { sampleAttestationInput } from "../../support/attestations.ts";

const key = newSigningKey();
const other = newSigningKey();
const inputs = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ ...sampleAttestationInput(), executionId: `batch-${String(i)}` }));
const valid = (a: unknown): boolean => verifyAttestation(a, [key.publicKey]).valid;
const flipHex = (h: string, at: number): string => {
  const i = at % h.length;
  return `${h.slice(0, i)}${h[i] === "0" ? "1" : "0"}${h.slice(i + 1)}`;
};

test("attest batch: every attestation of a random batch verifies alone, and the signature covers the RFC 9162 root of their PARMANA_ATTESTATION_V1 messages", () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 70 }), (n) => {
      const batch = signAttestationBatch(inputs(n), key);
      assert.equal(batch.attestations.length, n);
      const leaves = batch.attestations.map(({ signature: _s, batch: _b, ...unsigned }) =>
        leafHash(signingMessage(SigningDomain.attestation, unsigned)),
      );
      assert.equal(treeHash(leaves).toString("hex"), batch.root);
      const [first] = batch.attestations;
      assert.ok(
        first &&
          verifyPayload(
            SigningDomain.attestationBatch,
            { root: batch.root, treeSize: n },
            first.signature,
            key.publicKey,
          ),
      );
      batch.attestations.forEach((a, i) => {
        assert.deepEqual(
          { leafIndex: a.batch?.leafIndex, treeSize: a.batch?.treeSize },
          { leafIndex: i, treeSize: n },
        );
        assert.ok(valid(JSON.parse(JSON.stringify(a))), `attestation ${String(i)} of ${String(n)}`);
        assert.equal(verifyAttestation(a, [other.publicKey]).valid, false, "another key");
      });
      assert.ok(checkAttestationBatch(batch, key.publicKey));
    }),
    { numRuns: 60 },
  );
});

test("attest batch: an altered field, path hash, index, size or signature fails verification", () => {
  fc.assert(
    fc.property(fc.integer({ min: 2, max: 40 }), fc.nat(), fc.nat(), (n, pick, at) => {
      const batch = signAttestationBatch(inputs(n), key);
      const a = batch.attestations[pick % n] as Attestation & { batch: NonNullable<Attestation["batch"]> };
      const { leafIndex, treeSize, path } = a.batch;
      const altered: unknown[] = [
        { ...a, executionId: `${a.executionId}x` },
        { ...a, decision: { ...a.decision, action: "reject" } },
        { ...a, batch: { leafIndex: (leafIndex + 1) % treeSize, treeSize, path } },
        { ...a, batch: { leafIndex, treeSize: treeSize + 1, path } },
        { ...a, batch: { leafIndex, treeSize, path: path.slice(1) } },
        { ...a, batch: { leafIndex, treeSize, path: [...path, "00".repeat(32)] } },
        ...path.map((_, k) => ({
          ...a,
          batch: { leafIndex, treeSize, path: path.map((h, j) => (j === k ? flipHex(h, at) : h)) },
        })),
        { ...a, signature: signAttestation(sampleAttestationInput(), key).signature },
        // Without its batch the root's signature is not the attestation's own.
        (({ batch: _b, ...alone }) => alone)(a),
      ];
      for (const candidate of altered) assert.equal(valid(candidate), false, JSON.stringify(candidate));
    }),
    { numRuns: 60 },
  );
});

test("attest batch: a lone attestation given a batch position, or a batch of one, does not pass for the other", () => {
  const alone = signAttestation(sampleAttestationInput(), key);
  assert.equal(valid({ ...alone, batch: { leafIndex: 0, treeSize: 1, path: [] } }), false);
  const [one] = signAttestationBatch([sampleAttestationInput()], key).attestations;
  assert.ok(one && valid(one));
  assert.deepEqual(one.batch, { leafIndex: 0, treeSize: 1, path: [] });
  assert.notEqual(one.signature, alone.signature, "the batch domain is not the attestation domain");
});

test("attest batch: the self-check fails when a member's path or position is wrong, a leaf differs from what was signed, or another key signed", () => {
  const batch = signAttestationBatch(inputs(5), key);
  assert.ok(checkAttestationBatch(batch, key.publicKey));
  const member = (i: number, edit: (a: Attestation) => Attestation) => ({
    ...batch,
    attestations: batch.attestations.map((a, j) => (j === i ? edit(a) : a)),
  });
  const at = (a: Attestation) => a.batch as NonNullable<Attestation["batch"]>;
  const broken = [
    member(3, (a) => ({
      ...a,
      batch: { ...at(a), path: at(a).path.map((h, k) => (k === 0 ? flipHex(h, 5) : h)) },
    })),
    member(3, (a) => ({ ...a, batch: { ...at(a), leafIndex: 2 } })),
    member(1, (a) => ({ ...a, signature: signAttestation(sampleAttestationInput(), key).signature })),
    { ...batch, leaves: batch.leaves.map((l, i) => (i === 4 ? Buffer.alloc(32) : l)) },
    { ...batch, leaves: batch.leaves.slice(1) },
    { ...batch, root: "00".repeat(32) },
  ];
  for (const b of broken) assert.equal(checkAttestationBatch(b, key.publicKey), false);
  assert.equal(checkAttestationBatch(batch, other.publicKey), false);
});

test("attest batch: the shape check refuses a batch position that is unbounded, malformed or carries more", () => {
  const [a] = signAttestationBatch(inputs(3), key).attestations;
  assert.ok(a?.batch && isAttestationShaped(a));
  const bad: unknown[] = [
    null,
    [],
    { leafIndex: 0, treeSize: 3 },
    { ...a.batch, extra: 1 },
    { ...a.batch, leafIndex: 3 },
    { ...a.batch, leafIndex: -1 },
    { ...a.batch, leafIndex: 0.5 },
    { ...a.batch, treeSize: 0 },
    { ...a.batch, treeSize: 65_537 },
    { ...a.batch, path: Array<string>(17).fill("00".repeat(32)) },
    { ...a.batch, path: ["AB".repeat(32)] },
    { ...a.batch, path: ["00".repeat(31)] },
    { ...a.batch, path: [7] },
  ];
  for (const batch of bad) {
    assert.equal(isAttestationShaped({ ...a, batch }), false, JSON.stringify(batch));
    assert.equal(verifyAttestation({ ...a, batch }, [key.publicKey]).signerKeyId, null);
  }
  assert.throws(() => signAttestationBatch([], key), RangeError);
});
