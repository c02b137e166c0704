// The stored-hash Merkle log gives exactly what hashing all the leaves gives: for random logs, appended leaf
// by leaf into a store, every prefix's root and every inclusion and consistency proof equals merkle.ts's —
// while reading O(log n) stored hashes per answer.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  consistencyProof,
  hashesToStore,
  inclusionProof,
  leafHash,
  proveConsistency,
  proveInclusion,
  rootOf,
  treeHash,
  type HashAt,
  type HashReader,
} from "../../../src/crypto/index.ts";

class MemoryStore implements HashReader {
  readonly hashes = new Map<string, Buffer>();
  reads = 0;
  asked = 0;

  read(at: readonly HashAt[]): Promise<readonly Buffer[]> {
    this.reads++;
    this.asked += at.length;
    return Promise.resolve(
      at.map((a) => {
        const hash = this.hashes.get(`${String(a.level)}/${String(a.n)}`);
        if (!hash) throw new Error(`no stored hash at ${String(a.level)}/${String(a.n)}`);
        return hash;
      }),
    );
  }

  async append(n: number, leaf: Buffer): Promise<void> {
    for (const s of await hashesToStore(n, leaf, this))
      this.hashes.set(`${String(s.level)}/${String(s.n)}`, s.hash);
  }
}

async function logOf(leaves: readonly Buffer[]): Promise<MemoryStore> {
  const store = new MemoryStore();
  for (const [n, leaf] of leaves.entries()) await store.append(n, leaf);
  return store;
}

const leavesArb = fc
  .array(fc.uint8Array({ maxLength: 16 }), { minLength: 1, maxLength: 90 })
  .map((d) => d.map((x) => leafHash(x)));

test("merkle-log: every prefix's root and every proof equal those computed from all the leaves", async () => {
  await fc.assert(
    fc.asyncProperty(leavesArb, async (leaves) => {
      const store = await logOf(leaves);
      const n = leaves.length;
      for (let size = 1; size <= n; size++) {
        const prefix = leaves.slice(0, size);
        assert.deepEqual(await rootOf(size, store), treeHash(prefix), `root of ${String(size)}`);
        for (let i = 0; i < size; i++)
          assert.deepEqual(
            await proveInclusion(size, i, store),
            inclusionProof(prefix, i),
            `leaf ${String(i)} of ${String(size)}`,
          );
        assert.deepEqual(
          await proveConsistency(n, size, store),
          consistencyProof(leaves, size),
          `${String(size)} → ${String(n)}`,
        );
      }
    }),
    { numRuns: 40 },
  );
});

test("merkle-log: a root or a proof of a million-leaf log reads one batch of at most ~2 log₂ n hashes", async () => {
  const store = new MemoryStore();
  const n = 1_000_003;
  // Counting reads only (correctness is the property above): any stored hash stands for its position.
  const lazy: HashReader = {
    read: (at) => {
      store.reads++;
      store.asked += at.length;
      return Promise.resolve(at.map((a) => leafHash(Buffer.from(`${String(a.level)}/${String(a.n)}`))));
    },
  };
  await rootOf(n, lazy);
  assert.deepEqual([store.reads, store.asked <= 21], [1, true]);
  store.reads = 0;
  store.asked = 0;
  const proof = await proveInclusion(n, 777_777, lazy);
  assert.equal(store.reads, 1);
  assert.ok(store.asked <= 2 * 21, `${String(store.asked)} hashes read`);
  assert.equal(proof.length, 20, "a path of ⌈log₂ n⌉ hashes");
});
