// The README's independent-verifier recipe, as a program sharing no code with Parmana (Python's standard library
// for canonical JSON and the RFC 9162 walk, the openssl CLI for Ed25519: test/tools/batchcheck), accepts the
// vectors and fresh attestations signed alone and in batches, and refuses edited ones.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { signAttestation, signAttestationBatch, type Attestation } from "../../../src/attest/index.ts";
import { newSigningKey } from "../../support/bundles.ts";
import { sampleAttestationInput } from "../../support/attestations.ts";

const VERIFIER = fileURLToPath(new URL("../../tools/batchcheck/verify_attestation.py", import.meta.url));
const vectors = JSON.parse(
  readFileSync(new URL("../../vectors/parmana-v1.json", import.meta.url), "utf8"),
) as {
  key: { publicKeyPem: string };
  attestation: { attestation: Attestation };
  batchedAttestation: { attestations: Attestation[] };
};

async function verifier(t: TestContext): Promise<(a: unknown, publicKeyPem: string) => Promise<number>> {
  const dir = await mkdtemp(join(tmpdir(), "parmana-batchcheck-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  let n = 0;
  return async (attestation, publicKeyPem) => {
    n += 1;
    const file = join(dir, `a${String(n)}.json`);
    const key = join(dir, `k${String(n)}.pem`);
    await writeFile(file, JSON.stringify({ attestation }));
    await writeFile(key, publicKeyPem);
    return new Promise((resolve, reject) => {
      execFile("python3", [VERIFIER, file, key], (error, _stdout, stderr) => {
        if (error && typeof error.code !== "number")
          reject(new Error(`python3 could not run the verifier (${error.message}); it is required`));
        else if (error && error.code === 2) reject(new Error(`usage: ${stderr}`));
        else resolve(error ? Number(error.code) : 0);
      });
    });
  };
}

test("independent verifier: the vectors — one attestation alone, three in a batch — verify, and an edited one does not", async (t) => {
  const check = await verifier(t);
  const pem = vectors.key.publicKeyPem;
  assert.equal(await check(vectors.attestation.attestation, pem), 0);
  for (const a of vectors.batchedAttestation.attestations) assert.equal(await check(a, pem), 0);
  const [first] = vectors.batchedAttestation.attestations;
  assert.ok(first);
  assert.equal(await check({ ...first, executionId: "vector-batch-9" }, pem), 1);
});

test("independent verifier: fresh batches of 1, 2 and 37 verify at every edge; a path hash, index or size changed does not", async (t) => {
  const check = await verifier(t);
  const key = newSigningKey();
  const pem = key.publicKey.pem;
  for (const size of [1, 2, 37]) {
    const { attestations } = signAttestationBatch(
      Array.from({ length: size }, (_, i) => ({
        ...sampleAttestationInput(),
        executionId: `ind-${String(i)}`,
      })),
      key,
    );
    for (const i of new Set([0, Math.floor(size / 2), size - 1]))
      assert.equal(await check(attestations[i], pem), 0, `leaf ${String(i)} of ${String(size)}`);
  }
  const { attestations } = signAttestationBatch(
    Array.from({ length: 37 }, (_, i) => ({ ...sampleAttestationInput(), executionId: `ind-${String(i)}` })),
    key,
  );
  const a = attestations[20] as Attestation & { batch: NonNullable<Attestation["batch"]> };
  const [p0, ...rest] = a.batch.path;
  assert.ok(p0);
  for (const batch of [
    { ...a.batch, path: [`${p0.slice(0, 63)}${p0.endsWith("0") ? "1" : "0"}`, ...rest] },
    { ...a.batch, leafIndex: 21 },
    { ...a.batch, treeSize: 38 },
  ])
    assert.equal(await check({ ...a, batch }, pem), 1, JSON.stringify(batch));
  assert.equal(await check(signAttestation(sampleAttestationInput(), key), newSigningKey().publicKey.pem), 1);
});
