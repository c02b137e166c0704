// Merkle trees as RFC 9162 (Certificate Transparency 2.0, §2.1) defines them — the hashing Go's checksum
// database (golang.org/x/mod/sumdb/tlog), Sigstore's Rekor and Roughtime use: SHA-256, a leaf hashed as
// H(0x00 || data) and an interior node as H(0x01 || left || right), so that no leaf can pose as a node. The
// tree over n leaves splits at the largest power of two below n. Inclusion proofs (§2.1.3) and consistency
// proofs (§2.1.4) are built and verified by the RFC's own algorithms. Pure: hashes in, hashes out.
import { createHash } from "node:crypto";

export const HASH_SIZE = 32;

const LEAF_PREFIX = Buffer.from([0x00]);
const NODE_PREFIX = Buffer.from([0x01]);

export class MerkleProofError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MerkleProofError";
  }
}

export function leafHash(data: Uint8Array): Buffer {
  return createHash("sha256").update(LEAF_PREFIX).update(data).digest();
}

export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  return createHash("sha256").update(NODE_PREFIX).update(left).update(right).digest();
}

/** The hash of the empty tree: SHA-256 of nothing. */
export function emptyTreeHash(): Buffer {
  return createHash("sha256").digest();
}

/** The largest power of two strictly below n (n ≥ 2). */
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function checkSize(n: number, what: string): void {
  if (!Number.isSafeInteger(n) || n < 0)
    throw new MerkleProofError(`${what} ${String(n)} is not a tree size`);
}

/** MTH(D[n]) over the leaves' hashes (RFC 9162 §2.1.1). */
export function treeHash(leaves: readonly Uint8Array[]): Buffer {
  if (leaves.length === 0) return emptyTreeHash();
  return subtreeHash(leaves, 0, leaves.length);
}

function subtreeHash(leaves: readonly Uint8Array[], from: number, to: number): Buffer {
  const n = to - from;
  if (n === 1) return Buffer.from(leaves[from] as Uint8Array);
  const k = split(n);
  return nodeHash(subtreeHash(leaves, from, from + k), subtreeHash(leaves, from + k, to));
}

/** PATH(m, D[n]): the audit path of leaf `index` in the tree of `leaves` (their hashes). */
export function inclusionProof(leaves: readonly Uint8Array[], index: number): Buffer[] {
  checkSize(index, "leaf index");
  if (index >= leaves.length)
    throw new MerkleProofError(`leaf ${String(index)} is not in a tree of ${String(leaves.length)}`);
  return path(leaves, index, 0, leaves.length);
}

function path(leaves: readonly Uint8Array[], m: number, from: number, to: number): Buffer[] {
  const n = to - from;
  if (n === 1) return [];
  const k = split(n);
  if (m < k) return [...path(leaves, m, from, from + k), subtreeHash(leaves, from + k, to)];
  return [...path(leaves, m - k, from + k, to), subtreeHash(leaves, from, from + k)];
}

/** PROOF(m, D[n]): that the tree of the first `first` leaves is a prefix of the tree of all `leaves`. */
export function consistencyProof(leaves: readonly Uint8Array[], first: number): Buffer[] {
  checkSize(first, "tree size");
  if (first === 0 || first > leaves.length)
    throw new MerkleProofError(
      `no consistency proof from ${String(first)} to a tree of ${String(leaves.length)}`,
    );
  return subproof(leaves, first, 0, leaves.length, true);
}

function subproof(
  leaves: readonly Uint8Array[],
  m: number,
  from: number,
  to: number,
  whole: boolean,
): Buffer[] {
  const n = to - from;
  if (m === n) return whole ? [] : [subtreeHash(leaves, from, to)];
  const k = split(n);
  if (m <= k) return [...subproof(leaves, m, from, from + k, whole), subtreeHash(leaves, from + k, to)];
  return [...subproof(leaves, m - k, from + k, to, false), subtreeHash(leaves, from, from + k)];
}

const isOdd = (x: number): boolean => x % 2 === 1;
const half = (x: number): number => Math.floor(x / 2);
const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.compare(a, b) === 0;
const isHash = (h: Uint8Array): boolean => h.length === HASH_SIZE;

/** The walk up the tree both verifications make: fn is the node's index, sn the last node's, per level. */
interface Walk {
  fn: number;
  sn: number;
}

const up = (w: Walk): void => {
  w.fn = half(w.fn);
  w.sn = half(w.sn);
};

/** "Right-shift fn and sn equally until either LSB(fn) is set or fn is 0." */
const toRightEdge = (w: Walk): void => {
  while (!isOdd(w.fn) && w.fn !== 0) up(w);
};

/** Whether the proof's next hash is a left sibling (the RFC's "LSB(fn) is set or fn is equal to sn"). */
const fromLeft = (w: Walk): boolean => isOdd(w.fn) || w.fn === w.sn;

/**
 * RFC 9162 §2.1.3.2 up to the comparison: the root that `proof` leads to from the leaf hash at `index` in a tree
 * of `size`, or undefined when the proof has the wrong length or shape for that position.
 */
export function rootFromInclusion(
  leaf: Uint8Array,
  index: number,
  size: number,
  proof: readonly Uint8Array[],
): Buffer | undefined {
  const positioned = Number.isSafeInteger(index) && Number.isSafeInteger(size) && index >= 0 && index < size;
  if (!positioned || !isHash(leaf) || !proof.every(isHash)) return undefined;
  const w: Walk = { fn: index, sn: size - 1 };
  let r: Buffer = Buffer.from(leaf);
  for (const p of proof) {
    if (w.sn === 0) return undefined;
    if (fromLeft(w)) {
      r = nodeHash(p, r);
      toRightEdge(w);
    } else {
      r = nodeHash(r, p);
    }
    up(w);
  }
  return w.sn === 0 ? r : undefined;
}

/** RFC 9162 §2.1.3.2: whether `proof` places the leaf hash at `index` in the tree of `size` with `root`. */
export function verifyInclusion(
  leaf: Uint8Array,
  index: number,
  size: number,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): boolean {
  const computed = rootFromInclusion(leaf, index, size, proof);
  return computed !== undefined && isHash(root) && same(computed, root);
}

/** A whole tree built once, for handing every leaf its audit path (a signing batch). */
export interface BuiltTree {
  readonly root: Buffer;
  readonly size: number;
  /** PATH(index, D[size]), equal to inclusionProof(leaves, index), in O(log n). */
  path(index: number): Buffer[];
}

/**
 * Builds the tree of `leaves` (their hashes) level by level — the RFC's split at the largest power of two is the
 * same tree as pairing left to right and carrying a lone last node up unchanged — so that all n audit paths
 * cost O(n) hashes in all instead of O(n) each.
 */
export function buildTree(leaves: readonly Uint8Array[]): BuiltTree {
  if (leaves.length === 0) throw new MerkleProofError("a tree to prove inclusion in needs a leaf");
  const levels: Buffer[][] = [leaves.map((l) => Buffer.from(l))];
  for (let level = levels[0] as Buffer[]; level.length > 1;) {
    const next: Buffer[] = [];
    for (let i = 0; i < level.length; i += 2) {
      const right = level[i + 1];
      next.push(right ? nodeHash(level[i] as Buffer, right) : (level[i] as Buffer));
    }
    levels.push(next);
    level = next;
  }
  const size = leaves.length;
  return {
    root: (levels[levels.length - 1] as Buffer[])[0] as Buffer,
    size,
    path(index: number): Buffer[] {
      checkSize(index, "leaf index");
      if (index >= size)
        throw new MerkleProofError(`leaf ${String(index)} is not in a tree of ${String(size)}`);
      const proof: Buffer[] = [];
      let m = index;
      for (const level of levels.slice(0, -1)) {
        const sibling = level[m ^ 1];
        if (sibling) proof.push(sibling);
        m = Math.floor(m / 2);
      }
      return proof;
    },
  };
}

function isPowerOfTwo(n: number): boolean {
  let x = n;
  while (x > 1 && x % 2 === 0) x /= 2;
  return x === 1;
}

function consistencyInputs(
  first: number,
  second: number,
  proof: readonly Uint8Array[],
  firstRoot: Uint8Array,
  secondRoot: Uint8Array,
): boolean {
  const ordered =
    Number.isSafeInteger(first) && Number.isSafeInteger(second) && first >= 1 && first <= second;
  return ordered && isHash(firstRoot) && isHash(secondRoot) && proof.every(isHash);
}

/** RFC 9162 §2.1.4.2: whether `proof` shows the tree of `first` leaves (`firstRoot`) is a prefix of `second`'s. */
export function verifyConsistency(
  first: number,
  second: number,
  proof: readonly Uint8Array[],
  firstRoot: Uint8Array,
  secondRoot: Uint8Array,
): boolean {
  if (!consistencyInputs(first, second, proof, firstRoot, secondRoot)) return false;
  if (first === second) return proof.length === 0 && same(firstRoot, secondRoot);
  // A first tree that is a complete subtree is its own root: the proof starts from it.
  const [start, ...rest] = isPowerOfTwo(first) ? [firstRoot, ...proof] : proof;
  if (start === undefined) return false;
  const w: Walk = { fn: first - 1, sn: second - 1 };
  while (isOdd(w.fn)) up(w);
  let fr: Uint8Array = start;
  let sr: Uint8Array = start;
  for (const c of rest) {
    if (w.sn === 0) return false;
    if (fromLeft(w)) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      toRightEdge(w);
    } else {
      sr = nodeHash(sr, c);
    }
    up(w);
  }
  return w.sn === 0 && same(fr, firstRoot) && same(sr, secondRoot);
}
