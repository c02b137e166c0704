// An append-only Merkle log kept as stored subtree hashes, so that a root, an inclusion proof or a consistency
// proof of a tree of n leaves reads at most O(log n) hashes instead of rehashing n leaves: the scheme of
// golang.org/x/mod/sumdb/tlog (BSD-3-Clause, The Go Authors), after Crosby and Wallach's "Efficient Data
// Structures for Tamper-Evident Logging". Appending leaf n stores its hash at (level 0, n) and the hash of
// every complete subtree it closes at (level l, n >> l). Hashing is RFC 9162's (merkle.ts), so the results
// equal merkle.ts's computed over all leaves — the property the tests check. Pure: storage is a port.
import { emptyTreeHash, MerkleProofError, nodeHash } from "./merkle.ts";

/** A stored hash's place: the `n`th complete subtree of 2^level leaves. */
export interface HashAt {
  readonly level: number;
  readonly n: number;
}

/** Reads stored hashes, in the order asked (one round trip per call). */
export interface HashReader {
  read(at: readonly HashAt[]): Promise<readonly Buffer[]>;
}

export interface StoredHash extends HashAt {
  readonly hash: Buffer;
}

const shift = (n: number, level: number): number => Math.floor(n / 2 ** level);

/** The largest power of two ≤ n (n ≥ 1), and its exponent. */
function largestPowerAtMost(n: number): { k: number; level: number } {
  let k = 1;
  let level = 0;
  while (k * 2 <= n) {
    k *= 2;
    level++;
  }
  return { k, level };
}

/** The largest power of two < n (n ≥ 2): where RFC 9162 splits a tree of n leaves. */
const splitOf = (n: number): number => largestPowerAtMost(n - 1).k;

function trailingOnes(n: number): number {
  let count = 0;
  for (let x = n; x % 2 === 1; x = Math.floor(x / 2)) count++;
  return count;
}

async function readAll(reader: HashReader, at: readonly HashAt[]): Promise<Buffer[]> {
  if (at.length === 0) return [];
  const hashes = await reader.read(at);
  if (hashes.length !== at.length)
    throw new MerkleProofError(`asked for ${String(at.length)} stored hashes, got ${String(hashes.length)}`);
  return [...hashes];
}

function checkIndex(n: number, what: string): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new MerkleProofError(`${what} ${String(n)} is invalid`);
}

/** The hashes to store when appending leaf `n` (whose hash is `leaf`) to a log of n leaves. */
export async function hashesToStore(n: number, leaf: Buffer, reader: HashReader): Promise<StoredHash[]> {
  checkIndex(n, "leaf index");
  const closes = trailingOnes(n);
  // The left siblings of the subtrees leaf n completes, one per level.
  const siblings = await readAll(
    reader,
    Array.from({ length: closes }, (_, level) => ({ level, n: shift(n, level) - 1 })),
  );
  const stored: StoredHash[] = [{ level: 0, n, hash: leaf }];
  let hash = leaf;
  siblings.forEach((sibling, level) => {
    hash = nodeHash(sibling, hash);
    stored.push({ level: level + 1, n: shift(n, level + 1), hash });
  });
  return stored;
}

/** The stored subtrees whose hashes make up the leaves [lo, hi), left to right. */
function subtrees(lo: number, hi: number, need: HashAt[]): HashAt[] {
  let at = lo;
  while (at < hi) {
    const { k, level } = largestPowerAtMost(hi - at);
    need.push({ level, n: shift(at, level) });
    at += k;
  }
  return need;
}

/** Folds the subtrees of [lo, hi) taken from the front of `hashes` into one hash. */
function fold(lo: number, hi: number, hashes: Buffer[]): Buffer {
  const count = subtrees(lo, hi, []).length;
  const parts = hashes.splice(0, count);
  let hash = parts[parts.length - 1] as Buffer;
  for (let i = parts.length - 2; i >= 0; i--) hash = nodeHash(parts[i] as Buffer, hash);
  return hash;
}

/** The root of the log's first `size` leaves. */
export async function rootOf(size: number, reader: HashReader): Promise<Buffer> {
  checkIndex(size, "tree size");
  if (size === 0) return emptyTreeHash();
  const hashes = await readAll(reader, subtrees(0, size, []));
  return fold(0, size, hashes);
}

function inclusionNeeds(lo: number, hi: number, index: number, need: HashAt[]): HashAt[] {
  if (lo + 1 === hi) return need;
  const k = splitOf(hi - lo);
  if (index < lo + k) return subtrees(lo + k, hi, inclusionNeeds(lo, lo + k, index, need));
  return inclusionNeeds(lo + k, hi, index, subtrees(lo, lo + k, need));
}

function inclusionPath(lo: number, hi: number, index: number, hashes: Buffer[]): Buffer[] {
  if (lo + 1 === hi) return [];
  const k = splitOf(hi - lo);
  if (index < lo + k) {
    const path = inclusionPath(lo, lo + k, index, hashes);
    return [...path, fold(lo + k, hi, hashes)];
  }
  const left = fold(lo, lo + k, hashes);
  return [...inclusionPath(lo + k, hi, index, hashes), left];
}

/** The inclusion proof of leaf `index` in the log's first `size` leaves (RFC 9162 PATH). */
export async function proveInclusion(size: number, index: number, reader: HashReader): Promise<Buffer[]> {
  checkIndex(size, "tree size");
  checkIndex(index, "leaf index");
  if (index >= size) throw new MerkleProofError(`leaf ${String(index)} is not in a tree of ${String(size)}`);
  const hashes = await readAll(reader, inclusionNeeds(0, size, index, []));
  return inclusionPath(0, size, index, hashes);
}

function consistencyNeeds(lo: number, hi: number, old: number, need: HashAt[]): HashAt[] {
  if (old === hi) return lo === 0 ? need : subtrees(lo, hi, need);
  const k = splitOf(hi - lo);
  if (old <= lo + k) return subtrees(lo + k, hi, consistencyNeeds(lo, lo + k, old, need));
  return consistencyNeeds(lo + k, hi, old, subtrees(lo, lo + k, need));
}

function consistencyPath(lo: number, hi: number, old: number, hashes: Buffer[]): Buffer[] {
  if (old === hi) return lo === 0 ? [] : [fold(lo, hi, hashes)];
  const k = splitOf(hi - lo);
  if (old <= lo + k) {
    const path = consistencyPath(lo, lo + k, old, hashes);
    return [...path, fold(lo + k, hi, hashes)];
  }
  const left = fold(lo, lo + k, hashes);
  return [...consistencyPath(lo + k, hi, old, hashes), left];
}

/** The consistency proof from the log's first `old` leaves to its first `size` (RFC 9162 PROOF). */
export async function proveConsistency(size: number, old: number, reader: HashReader): Promise<Buffer[]> {
  checkIndex(size, "tree size");
  checkIndex(old, "tree size");
  if (old < 1 || old > size)
    throw new MerkleProofError(`no consistency proof from ${String(old)} to ${String(size)}`);
  const hashes = await readAll(reader, consistencyNeeds(0, size, old, []));
  return consistencyPath(0, size, old, hashes);
}
