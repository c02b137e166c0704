// The batching issuer: decisions that reach signing in one turn share one signature, bounded by maxBatch; a
// wait gathers those that arrive within it; each caller gets its own verifiable attestation; a batch whose
// self-check fails issues none of it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { verifyAttestation } from "../../../src/attest/index.ts";
import { BatchingIssuer, SelfCheckFailedError } from "../../../src/decisions/index.ts";
import { newSigningKey } from "../../support/bundles.ts";
import { sampleAttestationInput } from "../../support/attestations.ts";

const key = newSigningKey();
const input = (i: number) => ({ ...sampleAttestationInput(), executionId: `issue-${String(i)}` });

test("batch issuer: 600 decisions in one turn become batches of at most 256, each attestation its own and valid", async () => {
  const sizes: number[] = [];
  const issuer = new BatchingIssuer(key, { maxBatch: 256, maxWaitMs: 0, onBatch: (n) => sizes.push(n) });
  const issued = await Promise.all(Array.from({ length: 600 }, (_, i) => issuer.issue(input(i))));
  assert.deepEqual(sizes, [256, 256, 88]);
  issued.forEach((a, i) => {
    assert.equal(a.executionId, `issue-${String(i)}`);
    assert.ok(verifyAttestation(a, [key.publicKey]).valid);
  });
  assert.equal(new Set(issued.map((a) => a.signature)).size, 3, "one signature per batch");
});

test("batch issuer: decisions a turn apart are separate batches without a wait, one batch with it", async () => {
  const turns = async (issuer: BatchingIssuer): Promise<void> => {
    const first = issuer.issue(input(1));
    await new Promise((resolve) => setImmediate(resolve));
    await Promise.all([first, issuer.issue(input(2))]);
  };
  const apart: number[] = [];
  await turns(new BatchingIssuer(key, { maxBatch: 64, maxWaitMs: 0, onBatch: (n) => apart.push(n) }));
  assert.deepEqual(apart, [1, 1]);
  const gathered: number[] = [];
  await turns(new BatchingIssuer(key, { maxBatch: 64, maxWaitMs: 20, onBatch: (n) => gathered.push(n) }));
  assert.deepEqual(gathered, [2]);
});

test("batch issuer: when the self-check fails (a key whose public half is not the private one's), every decision of the batch is refused", async () => {
  const broken = { ...key, publicKey: newSigningKey().publicKey };
  const issuer = new BatchingIssuer(broken, { maxBatch: 16, maxWaitMs: 0 });
  const results = await Promise.allSettled(Array.from({ length: 5 }, (_, i) => issuer.issue(input(i))));
  for (const r of results) {
    assert.equal(r.status, "rejected");
    assert.ok(r.reason instanceof SelfCheckFailedError);
  }
});

test("batch issuer: an input that cannot be canonicalised fails alone; the rest of its batch is signed", async () => {
  const issuer = new BatchingIssuer(key, { maxBatch: 16, maxWaitMs: 0 });
  const results = await Promise.allSettled([
    issuer.issue(input(1)),
    issuer.issue({ ...input(2), signals: { note: "\uD800" } }),
    issuer.issue(input(3)),
  ]);
  assert.deepEqual(
    results.map((r) => r.status),
    ["fulfilled", "rejected", "fulfilled"],
  );
  for (const r of results)
    if (r.status === "fulfilled") assert.ok(verifyAttestation(r.value, [key.publicKey]).valid);
  assert.throws(() => new BatchingIssuer(key, { maxBatch: 0, maxWaitMs: 0 }), RangeError);
});
