// Writes test/vectors/parmana-v1.json: the project's own vectors (manifest, bundle hash, bundle signature,
// execution fingerprint, attestation signature, alone and in a batch) for third parties and for regression. Ed25519 signatures are
// deterministic, so the output is stable; the key is RFC 8032's TEST 1 key, which is public.
// Run: node test/vectors/generate.ts > test/vectors/parmana-v1.json   (only when the formats change on purpose)
import { createPrivateKey } from "node:crypto";
import { canonicalize, parseSigningKey, signingMessage, SigningDomain } from "../../src/crypto/index.ts";
import { buildManifest, computeManifestHash, signManifest } from "../../src/bundle/index.ts";
import {
  attestationLeaf,
  batchRootPayload,
  executionFingerprint,
  signAttestation,
  signAttestationBatch,
  signalsHash,
} from "../../src/attest/index.ts";

const SEED = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
const pem = createPrivateKey({ key: Buffer.from(`302e020100300506032b657004220420${SEED}`, "hex"), format: "der", type: "pkcs8" })
  .export({ type: "pkcs8", format: "pem" })
  .toString();
const key = parseSigningKey(pem);

const policyText = `${JSON.stringify(
  {
    policyId: "vector-policy",
    policyVersion: "1.0.0",
    schemaVersion: "1.0.0",
    signalsSchema: { amount: { type: "number" }, country: { type: "enum", values: ["IN", "US"] } },
    rules: [{ id: "default", condition: { all: [] }, outcome: { action: "approve", requires_override: false, reason: "default" } }],
  },
  null,
  2,
)}\n`;
const readme = "Vector bundle\r\nline two\n";
const manifestInput = { policyId: "vector-policy", policyVersion: "1.0.0", revision: 3, issuedAt: "2026-01-02T03:04:05Z" };
const manifest = buildManifest({
  ...manifestInput,
  issuedAt: new Date(manifestInput.issuedAt),
  files: new Map([
    ["policy.json", Buffer.from(policyText)],
    ["README.txt", Buffer.from(readme)],
  ]),
  supportedSchemaVersions: ["1.0.0"],
});

const signals = { amount: 1234.5, country: "IN" };
const attestationInput = {
  executionId: "vector-execution-1",
  policyId: "vector-policy",
  policyVersion: "1.0.0",
  schemaVersion: "1.0.0",
  signals,
  decision: { action: "approve", requires_override: false, reason: "default", ruleId: "default" },
  runtimeVersion: "0.1.0",
  runtimeHash: `sha256:${"11".repeat(32)}`,
  bundleHash: manifest.bundle_hash,
  manifestHash: computeManifestHash(manifest),
  bundleRevision: manifest.revision,
  issuedAt: "2026-01-02T03:04:06.000Z",
};
const attestation = signAttestation({ ...attestationInput, issuedAt: new Date(attestationInput.issuedAt) }, key);
const { signature: _signature, ...unsigned } = attestation;

// A batch of three (PARMANA_SIGNING_MODE=batched): leaves, root, the signed root message, each attestation.
const batchInputs = [1, 2, 3].map((n) => ({
  ...attestationInput,
  executionId: `vector-batch-${String(n)}`,
  signals: { ...signals, amount: 1000 * n },
}));
const batch = signAttestationBatch(
  batchInputs.map((i) => ({ ...i, issuedAt: new Date(i.issuedAt) })),
  key,
);

const vectors = {
  description: "Parmana v1 vectors: produced by this implementation, checked both ways by test/unit/crypto/vectors.test.ts and against openssl by test/unit/crypto/openssl-interop.test.ts",
  key: { seed: SEED, privateKeyPem: pem, publicKeyPem: key.publicKey.pem, keyId: key.keyId },
  bundle: {
    files: { "policy.json": policyText, "README.txt": readme },
    manifestInput,
    manifest,
    manifestCanonical: canonicalize(manifest),
    bundleHash: manifest.bundle_hash,
    manifestHash: computeManifestHash(manifest),
    signingMessage: signingMessage(SigningDomain.bundle, manifest).toString("utf8"),
    signature: signManifest(manifest, key).sig,
  },
  attestation: {
    input: attestationInput,
    executionFingerprint: executionFingerprint("vector-policy", "1.0.0", signals),
    signalsHash: signalsHash(signals),
    signingMessage: signingMessage(SigningDomain.attestation, unsigned).toString("utf8"),
    attestation,
  },
  batchedAttestation: {
    inputs: batchInputs,
    leaves: batch.attestations.map(({ signature: _s, batch: _b, ...fields }) => attestationLeaf(fields).toString("hex")),
    root: batch.root,
    rootSigningMessage: signingMessage(
      SigningDomain.attestationBatch,
      batchRootPayload(Buffer.from(batch.root, "hex"), batchInputs.length),
    ).toString("utf8"),
    attestations: batch.attestations,
  },
};
process.stdout.write(`${JSON.stringify(vectors, null, 2)}\n`);
