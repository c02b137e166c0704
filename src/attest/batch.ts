// Batch signing: the attestations of decisions made together become the leaves of one Merkle tree (RFC 9162),
// one Ed25519 signature covers its root, and each attestation carries its leaf index, the tree's size and its
// audit path — the way Roughtime signs many responses at once. Every attestation still verifies alone,
// offline, with the public key (batch-proof.ts); signing n decisions costs one signature and ~2n hashes.
import {
  SigningDomain,
  buildTree,
  signPayload,
  verifyPayload,
  type PublicKey,
  type SigningKey,
} from "../crypto/index.ts";
import { unsignedAttestation, type Attestation, type AttestationInput } from "./attestation.ts";
import { MAX_BATCH_SIZE, attestationLeaf, batchRoot, batchRootPayload } from "./batch-proof.ts";

export interface SignedBatch {
  readonly attestations: readonly Attestation[];
  /** The root the signature covers (hex). */
  readonly root: string;
}

/** Signs the attestations of `inputs` as one batch, in their order (leaf i is inputs[i]). */
export function signAttestationBatch(inputs: readonly AttestationInput[], key: SigningKey): SignedBatch {
  if (inputs.length === 0 || inputs.length > MAX_BATCH_SIZE)
    throw new RangeError(
      `a batch holds 1 to ${String(MAX_BATCH_SIZE)} attestations, not ${String(inputs.length)}`,
    );
  const unsigned = inputs.map((input) => unsignedAttestation(input, key));
  const tree = buildTree(unsigned.map(attestationLeaf));
  const payload = batchRootPayload(tree.root, tree.size);
  const signature = signPayload(SigningDomain.attestationBatch, payload, key);
  const attestations = unsigned.map((fields, leafIndex) => ({
    ...fields,
    signature,
    batch: { leafIndex, treeSize: tree.size, path: tree.path(leafIndex).map((h) => h.toString("hex")) },
  }));
  return { attestations, root: payload.root };
}

/**
 * The signer's self-check of a batch it just made: the one signature verifies over the root, once, and every
 * attestation's path leads to that root. False when any of it fails — then none of the batch may be issued.
 */
export function checkAttestationBatch(batch: SignedBatch, key: PublicKey): boolean {
  const first = batch.attestations[0];
  if (!first?.batch) return false;
  const signed = verifyPayload(
    SigningDomain.attestationBatch,
    { root: batch.root, treeSize: first.batch.treeSize },
    first.signature,
    key,
  );
  return (
    signed &&
    batch.attestations.every(({ signature, batch: position, ...fields }) => {
      const root = position && signature === first.signature ? batchRoot(fields, position) : undefined;
      return root?.toString("hex") === batch.root;
    })
  );
}
