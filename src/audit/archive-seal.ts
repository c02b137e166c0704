// An audit archive's seal: what was archived (each partition's row count, id range and content hash; the
// security-event chain's first prev_hash and last row hash; the rollup's hash), signed in its own domain. And
// the offline checks of a chain segment. Pure: the archive (src/audit/archive.ts) reads and writes.
import {
  SigningDomain,
  signPayload,
  verifyPayload,
  type PublicKey,
  type SigningKey,
} from "../crypto/index.ts";
import { rowHash, type ChainBreak } from "./chain.ts";
import type { StoredEvent } from "./security-event-chain.ts";

export const ARCHIVE_FORMAT = "parmana-audit-archive/1";

export interface ArchivedFile {
  /** The file in the archive directory (JSON Lines, gzip). */
  readonly file: string;
  readonly rows: number;
  /** sha256 (hex) of the uncompressed JSON Lines. */
  readonly sha256: string;
}

export interface ArchivedPartition extends ArchivedFile {
  readonly table: string;
  readonly partition: string;
  readonly from: string;
  readonly to: string;
  readonly firstId: string | null;
  readonly lastId: string | null;
}

export interface ArchiveSeal {
  readonly format: typeof ARCHIVE_FORMAT;
  readonly createdAt: string;
  /** Every archived partition ends at or before this. */
  readonly before: string;
  readonly partitions: readonly ArchivedPartition[];
  /** The archived segment of the security-event chain, or nulls when no security events were archived. */
  readonly chain: {
    readonly firstPrevHash: string | null;
    readonly lastId: string | null;
    readonly lastRowHash: string | null;
  };
  readonly rollup: ArchivedFile;
  readonly signerKeyId: string;
}

export interface SignedSeal extends ArchiveSeal {
  readonly signature: string;
}

export function signSeal(seal: ArchiveSeal, key: SigningKey): SignedSeal {
  return { ...seal, signature: signPayload(SigningDomain.archiveSeal, seal, key) };
}

/** The key among `keys` that signed the seal, or undefined. */
export function sealSigner(seal: SignedSeal, keys: readonly PublicKey[]): PublicKey | undefined {
  const { signature, ...unsigned } = seal;
  return keys.find(
    (k) => k.keyId === seal.signerKeyId && verifyPayload(SigningDomain.archiveSeal, unsigned, signature, k),
  );
}

/** Checks that `rows` (in id order) chain from `prev`; returns the first break. */
export function verifyChainSegment(rows: readonly StoredEvent[], prev: string): ChainBreak | undefined {
  let hash = prev;
  for (const row of rows) {
    if (row.prev_hash !== hash) return { id: row.id, eventId: row.event_id, reason: "prev_hash" };
    const details = typeof row.details === "string" ? (JSON.parse(row.details) as unknown) : row.details;
    if (rowHash(hash, { ...row, details }) !== row.row_hash)
      return { id: row.id, eventId: row.event_id, reason: "row_hash" };
    hash = row.row_hash;
  }
  return undefined;
}
