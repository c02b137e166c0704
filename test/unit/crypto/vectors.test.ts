// The project's own vectors, checked both ways: this code still produces them byte for byte, and verifies them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import {
  canonicalize,
  parseSigningKey,
  parsePublicKey,
  signingMessage,
  SigningDomain,
} from "../../../src/crypto/index.ts";
import {
  buildManifest,
  computeManifestHash,
  serializeSignatureFile,
  signManifest,
  trustSetFromFiles,
  verifyBundleFiles,
  type BundleManifest,
} from "../../../src/bundle/index.ts";
import {
  attestationLeaf,
  batchRootPayload,
  executionFingerprint,
  signAttestation,
  signAttestationBatch,
  signalsHash,
  verifyAttestation,
  type Attestation,
  type AttestationInput,
} from "../../../src/attest/index.ts";

interface Vectors {
  key: { privateKeyPem: string; publicKeyPem: string; keyId: string };
  bundle: {
    files: Record<string, string>;
    manifestInput: { policyId: string; policyVersion: string; revision: number; issuedAt: string };
    manifest: BundleManifest;
    manifestCanonical: string;
    bundleHash: string;
    manifestHash: string;
    signingMessage: string;
    signature: string;
  };
  attestation: {
    input: Omit<AttestationInput, "issuedAt"> & { issuedAt: string; signals: Record<string, unknown> };
    executionFingerprint: string;
    signalsHash: string;
    signingMessage: string;
    attestation: Attestation;
  };
  batchedAttestation: {
    inputs: (Omit<AttestationInput, "issuedAt"> & { issuedAt: string })[];
    leaves: string[];
    root: string;
    rootSigningMessage: string;
    attestations: Attestation[];
  };
}
const v = JSON.parse(
  readFileSync(new URL("../../vectors/parmana-v1.json", import.meta.url), "utf8"),
) as Vectors;
const key = parseSigningKey(v.key.privateKeyPem);

test("vectors: the key's id is derived as specified", () => {
  assert.equal(key.keyId, v.key.keyId);
  assert.equal(parsePublicKey(v.key.publicKeyPem).keyId, v.key.keyId);
});

test("vectors: manifest, bundle hash, manifest hash and bundle signature are produced byte for byte", () => {
  const files = new Map(Object.entries(v.bundle.files).map(([p, text]) => [p, Buffer.from(text)]));
  const manifest = buildManifest({
    ...v.bundle.manifestInput,
    issuedAt: new Date(v.bundle.manifestInput.issuedAt),
    files,
    supportedSchemaVersions: ["1.0.0"],
  });
  assert.deepEqual(manifest, v.bundle.manifest);
  assert.equal(canonicalize(manifest), v.bundle.manifestCanonical);
  assert.equal(manifest.bundle_hash, v.bundle.bundleHash);
  assert.equal(computeManifestHash(manifest), v.bundle.manifestHash);
  assert.equal(signingMessage(SigningDomain.bundle, manifest).toString("utf8"), v.bundle.signingMessage);
  assert.equal(signManifest(manifest, key).sig, v.bundle.signature);
});

test("vectors: the vector bundle verifies", () => {
  const files = new Map<string, Uint8Array>(
    Object.entries(v.bundle.files).map(([p, text]) => [p, Buffer.from(text)]),
  );
  files.set("bundle.manifest.json", Buffer.from(v.bundle.manifestCanonical));
  files.set(
    "bundle.sig",
    Buffer.from(serializeSignatureFile([{ keyId: v.key.keyId, sig: v.bundle.signature }])),
  );
  const result = verifyBundleFiles(files, {
    trust: trustSetFromFiles(new Map([["signer.pub", v.key.publicKeyPem]])),
  });
  assert.ok(result.ok, JSON.stringify(result));
  assert.equal(result.bundle.bundleHash, v.bundle.bundleHash);
});

test("vectors: fingerprint, signals hash and attestation signature are produced byte for byte, and verify", () => {
  const { input } = v.attestation;
  assert.equal(
    executionFingerprint(input.policyId, input.policyVersion, input.signals),
    v.attestation.executionFingerprint,
  );
  assert.equal(signalsHash(input.signals), v.attestation.signalsHash);
  const attestation = signAttestation({ ...input, issuedAt: new Date(input.issuedAt) }, key);
  assert.deepEqual(attestation, v.attestation.attestation);
  const { signature: _s, ...unsigned } = attestation;
  assert.equal(
    signingMessage(SigningDomain.attestation, unsigned).toString("utf8"),
    v.attestation.signingMessage,
  );
  assert.equal(
    verifyAttestation(v.attestation.attestation, [parsePublicKey(v.key.publicKeyPem)]).valid,
    true,
  );
});

test("vectors: a batch of three is produced byte for byte — leaves, root, the signed root message — and each attestation verifies alone", () => {
  const b = v.batchedAttestation;
  const batch = signAttestationBatch(
    b.inputs.map((i) => ({ ...i, issuedAt: new Date(i.issuedAt) })),
    key,
  );
  assert.deepEqual(batch.attestations, b.attestations);
  assert.equal(batch.root, b.root);
  assert.deepEqual(
    batch.attestations.map(({ signature: _s, batch: _b, ...fields }) =>
      attestationLeaf(fields).toString("hex"),
    ),
    b.leaves,
  );
  assert.equal(
    signingMessage(SigningDomain.attestationBatch, batchRootPayload(Buffer.from(b.root, "hex"), 3)).toString(
      "utf8",
    ),
    b.rootSigningMessage,
  );
  const publicKey = parsePublicKey(v.key.publicKeyPem);
  for (const a of b.attestations) assert.equal(verifyAttestation(a, [publicKey]).valid, true);
});
