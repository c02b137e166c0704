// What makes a batch-signed attestation checkable on its own: its leaf is the exact message a lone signature
// would cover (PARMANA_ATTESTATION_V1 + "\n" + canonical(fields but signature and batch)), hashed as an RFC 9162
// leaf; its audit path leads to the batch's root; the batch's one signature covers canonical({root, treeSize})
// in domain PARMANA_ATTESTATION_BATCH_V1. Pure and synchronous, like the rest of verification.
import {
  SigningDomain,
  leafHash,
  rootFromInclusion,
  signingMessage,
  verifyPayload,
  type PublicKey,
} from "../crypto/index.ts";
import type { AttestationBatch, UnsignedAttestation } from "./attestation.ts";

/** The largest batch a signer makes and a verifier accepts (a path of at most 16 hashes). */
export const MAX_BATCH_SIZE = 65_536;
const MAX_PATH = 16;
const HEX_HASH = /^[0-9a-f]{64}$/;

/** What the batch signature covers. */
export interface BatchRootPayload {
  readonly root: string;
  readonly treeSize: number;
}

export function attestationLeaf(unsigned: UnsignedAttestation): Buffer {
  return leafHash(signingMessage(SigningDomain.attestation, unsigned));
}

export function batchRootPayload(root: Uint8Array, treeSize: number): BatchRootPayload {
  return { root: Buffer.from(root).toString("hex"), treeSize };
}

/** Whether `value` has the shape of a batch position (types and bounds only; nothing is trusted yet). */
export function isBatchShaped(value: unknown): value is AttestationBatch {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const b = value as Record<string, unknown>;
  const { leafIndex, treeSize, path } = b;
  return (
    Object.keys(b).length === 3 &&
    Number.isSafeInteger(treeSize) &&
    Number.isSafeInteger(leafIndex) &&
    (treeSize as number) >= 1 &&
    (treeSize as number) <= MAX_BATCH_SIZE &&
    (leafIndex as number) >= 0 &&
    (leafIndex as number) < (treeSize as number) &&
    Array.isArray(path) &&
    path.length <= MAX_PATH &&
    path.every((h) => typeof h === "string" && HEX_HASH.test(h))
  );
}

/** The root the attestation's path leads to, or undefined when the path does not fit its position. */
export function batchRoot(unsigned: UnsignedAttestation, batch: AttestationBatch): Buffer | undefined {
  const path = batch.path.map((h) => Buffer.from(h, "hex"));
  return rootFromInclusion(attestationLeaf(unsigned), batch.leafIndex, batch.treeSize, path);
}

/** Whether `signature` is `key`'s batch signature over the root this attestation's path leads to. */
export function verifyBatchSignature(
  unsigned: UnsignedAttestation,
  batch: AttestationBatch,
  signature: string,
  key: PublicKey,
): boolean {
  const root = batchRoot(unsigned, batch);
  return (
    root !== undefined &&
    verifyPayload(SigningDomain.attestationBatch, batchRootPayload(root, batch.treeSize), signature, key)
  );
}
