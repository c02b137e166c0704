// Merkle trees (RFC 9162): for random trees every inclusion proof and every consistency proof verifies, and
// any altered byte, index or size makes it fail; the empty and one-leaf trees hash as the RFC says.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  buildTree,
  consistencyProof,
  emptyTreeHash,
  inclusionProof,
  leafHash,
  rootFromInclusion,
  treeHash,
  verifyConsistency,
  verifyInclusion,
} from "../../../src/crypto/index.ts";

const leavesOf = (data: readonly Uint8Array[]): Buffer[] => data.map((d) => leafHash(d));
const flip = (b: Uint8Array, at: number): Buffer => {
  const copy = Buffer.from(b);
  copy[at % copy.length] = (copy[at % copy.length] ?? 0) ^ 0x01;
  return copy;
};
const filler = leafHash(new Uint8Array());
/** How many hashes the inclusion proof of leaf `index` in a tree of `size` has. */
const shape = (size: number, index: number): number =>
  index < size ? inclusionProof(Array<Buffer>(size).fill(filler), index).length : -1;
const consistencyShape = (from: number, to: number): number =>
  consistencyProof(Array<Buffer>(to).fill(filler), from).length;
const data = fc.array(fc.uint8Array({ maxLength: 24 }), { minLength: 1, maxLength: 70 });

test("merkle: the empty tree and a one-leaf tree hash as RFC 9162 defines", () => {
  assert.equal(
    emptyTreeHash().toString("hex"),
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
  );
  assert.equal(
    treeHash([leafHash(new Uint8Array())]).toString("hex"),
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
  );
});

test("merkle: every inclusion proof of a random tree verifies; an altered leaf, proof, root, index or size fails", () => {
  fc.assert(
    fc.property(data, fc.nat(), fc.nat(), (d, pick, at) => {
      const leaves = leavesOf(d);
      const root = treeHash(leaves);
      const size = leaves.length;
      for (let i = 0; i < size; i++)
        assert.ok(
          verifyInclusion(leaves[i] as Buffer, i, size, inclusionProof(leaves, i), root),
          `leaf ${String(i)}`,
        );
      const i = pick % size;
      const leaf = leaves[i] as Buffer;
      const proof = inclusionProof(leaves, i);
      assert.equal(verifyInclusion(flip(leaf, at), i, size, proof, root), false, "altered leaf");
      assert.equal(verifyInclusion(leaf, i, size, proof, flip(root, at)), false, "altered root");
      if (proof.length > 0) {
        const j = at % proof.length;
        const altered = proof.map((p, k) => (k === j ? flip(p, at) : p));
        assert.equal(verifyInclusion(leaf, i, size, altered, root), false, "altered proof");
        assert.equal(verifyInclusion(leaf, i, size, proof.slice(1), root), false, "shortened proof");
      }
      if (size > 1) {
        const other = (i + 1 + (at % (size - 1))) % size;
        if (!leaves[other]?.equals(leaf))
          assert.equal(verifyInclusion(leaf, other, size, proof, root), false, "other index");
      }
      // Another size fails whenever it gives the leaf a path of another shape (where the shapes coincide the
      // size is authenticated by the signed checkpoint, not by the proof).
      for (const other of [size + 1, size + 2, size * 2, i + 1])
        if (other !== size && shape(other, i) !== proof.length)
          assert.equal(verifyInclusion(leaf, i, other, proof, root), false, `size ${String(other)}`);
      assert.equal(verifyInclusion(leaf, size, size, proof, root), false, "index past the end");
    }),
    { numRuns: 150 },
  );
});

test("merkle: every consistency proof between random sizes verifies; an altered root, proof or size fails", () => {
  fc.assert(
    fc.property(data, fc.nat(), fc.nat(), (d, pick, at) => {
      const leaves = leavesOf(d);
      const n = leaves.length;
      const root = treeHash(leaves);
      for (let m = 1; m <= n; m++) {
        const proof = consistencyProof(leaves, m);
        assert.ok(
          verifyConsistency(m, n, proof, treeHash(leaves.slice(0, m)), root),
          `${String(m)} → ${String(n)}`,
        );
      }
      const m = 1 + (pick % n);
      const old = treeHash(leaves.slice(0, m));
      const proof = consistencyProof(leaves, m);
      assert.equal(verifyConsistency(m, n, proof, flip(old, at), root), false, "altered old root");
      assert.equal(verifyConsistency(m, n, proof, old, flip(root, at)), false, "altered new root");
      if (proof.length > 0) {
        const j = at % proof.length;
        const altered = proof.map((p, k) => (k === j ? flip(p, at) : p));
        assert.equal(verifyConsistency(m, n, altered, old, root), false, "altered proof");
      }
      for (const [from, to] of [
        [m, n + 1],
        [m, n * 2],
        [m - 1, n],
        [m + 1, n],
      ] as const)
        if (from >= 1 && from < to && consistencyShape(from, to) !== proof.length)
          assert.equal(
            verifyConsistency(from, to, proof, old, root),
            false,
            `sizes ${String(from)} → ${String(to)}`,
          );
    }),
    { numRuns: 100 },
  );
});

test("merkle: a proof is asked for only where one exists", () => {
  const leaves = leavesOf([new Uint8Array([1]), new Uint8Array([2])]);
  assert.throws(() => inclusionProof(leaves, 2), /not in a tree of 2/);
  assert.throws(() => consistencyProof(leaves, 0), /no consistency proof/);
  assert.throws(() => consistencyProof(leaves, 3), /no consistency proof/);
});

test("merkle: a tree built level by level is the RFC's tree — the same root, and every path equal to PATH(m, D[n]) and leading back to it", () => {
  fc.assert(
    fc.property(data, (d) => {
      // Distinct leaves, so that no other index can lead to the same root by holding the same leaf.
      const leaves = leavesOf(d.map((x, i) => Buffer.concat([Buffer.from([i]), x])));
      const tree = buildTree(leaves);
      assert.deepEqual(tree.root, treeHash(leaves));
      leaves.forEach((leaf, m) => {
        const path = tree.path(m);
        assert.deepEqual(path, inclusionProof(leaves, m), `path of ${String(m)} in ${String(leaves.length)}`);
        assert.deepEqual(rootFromInclusion(leaf, m, leaves.length, path), tree.root);
        assert.equal(
          rootFromInclusion(flip(leaf, m), m, leaves.length, path)?.equals(tree.root) ?? false,
          false,
        );
        if (leaves.length > 1)
          assert.equal(
            rootFromInclusion(leaf, (m + 1) % leaves.length, leaves.length, path)?.equals(tree.root) ?? false,
            false,
            "another index does not lead to the root",
          );
      });
      assert.throws(() => tree.path(leaves.length), /not in a tree/);
    }),
    { numRuns: 200 },
  );
  assert.throws(() => buildTree([]), /needs a leaf/);
});
