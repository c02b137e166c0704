// Batch signing: the attestations of decisions made together become the leaves of one Merkle tree (RFC 9162),
// one Ed25519 signature covers its root, and each attestation carries its leaf index, the tree's size and its
// audit path — the way Roughtime signs many responses at once. Every attestation still verifies alone,
// offline, with the public key (batch-proof.ts); signing n decisions costs one signature and ~2n hashes.
import {
  SigningDomain,
  buildTree,
  rootFromInclusion,
  signPayload,
  verifyPayload,
  type PublicKey,
  type SigningKey,
} from "../crypto/index.ts";
import { unsignedAttestation, type Attestation, type AttestationInput } from "./attestation.ts";
import { MAX_BATCH_SIZE, attestationLeaf, batchRootPayload } from "./batch-proof.ts";

export interface SignedBatch {
  readonly attestations: readonly Attestation[];
  /** The root the signature covers (hex). */
  readonly root: string;
  /** Each attestation's leaf hash, as signed (what the self-check walks from). */
  readonly leaves: readonly Buffer[];
}

/** Signs the attestations of `inputs` as one batch, in their order (leaf i is inputs[i]). */
export function signAttestationBatch(inputs: readonly AttestationInput[], key: SigningKey): SignedBatch {
  if (inputs.length === 0 || inputs.length > MAX_BATCH_SIZE)
    throw new RangeError(
      `a batch holds 1 to ${String(MAX_BATCH_SIZE)} attestations, not ${String(inputs.length)}`,
    );
  const unsigned = inputs.map((input) => unsignedAttestation(input, key));
  const leaves = unsigned.map(attestationLeaf);
  const tree = buildTree(leaves);
  const payload = batchRootPayload(tree.root, tree.size);
  const signature = signPayload(SigningDomain.attestationBatch, payload, key);
  const attestations = unsigned.map((fields, leafIndex) => ({
    ...fields,
    signature,
    batch: { leafIndex, treeSize: tree.size, path: tree.path(leafIndex).map((h) => h.toString("hex")) },
  }));
  return { attestations, root: payload.root, leaves };
}

/**
 * The signer's self-check of a batch it just made: the one signature verifies over the root, once, and every
 * attestation's path leads from its leaf, as signed, to that root. False when any of it fails — then none of
 * the batch may be issued. (Each leaf was hashed from the very fields the attestation carries; hashing them
 * again would double the batch's canonicalisation for no fault it could catch that this does not.)
 */
export function checkAttestationBatch(batch: SignedBatch, key: PublicKey): boolean {
  const first = batch.attestations[0];
  if (!first?.batch || batch.leaves.length !== batch.attestations.length) return false;
  const signed = verifyPayload(
    SigningDomain.attestationBatch,
    { root: batch.root, treeSize: first.batch.treeSize },
    first.signature,
    key,
  );
  return (
    signed &&
    batch.attestations.every(({ signature, batch: position }, i) => {
      const leaf = batch.leaves[i];
      const root =
        position && leaf && signature === first.signature
          ? rootFromInclusion(
              leaf,
              position.leafIndex,
              position.treeSize,
              position.path.map((h) => Buffer.from(h, "hex")),
            )
          : undefined;
      return root?.toString("hex") === batch.root;
    })
  );
}
