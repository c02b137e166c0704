// Pure cryptographic core: canonical JSON, hashes, Ed25519 keys and domain-separated signatures. No I/O.
export {
  canonicalize,
  canonicalBytes,
  canonicalString,
  CanonicalizationError,
  type JsonValue,
} from "./canonical.ts";
export { sha256Hex, sha256Tagged, canonicalHash, parseSha256, sameHash, HASH_PREFIX } from "./hash.ts";
export {
  parsePublicKey,
  parseSigningKey,
  generateSigningKeyPair,
  keyIdOf,
  KeyError,
  type PublicKey,
  type SigningKey,
  type GeneratedKeyPair,
} from "./keys.ts";
export { SigningDomain, signingMessage, signPayload, verifyPayload, verifyMessage } from "./signing.ts";
export {
  leafHash,
  nodeHash,
  emptyTreeHash,
  treeHash,
  inclusionProof,
  consistencyProof,
  verifyInclusion,
  rootFromInclusion,
  buildTree,
  type BuiltTree,
  verifyConsistency,
  MerkleProofError,
  HASH_SIZE,
} from "./merkle.ts";
export {
  signNote,
  openNote,
  noteVerifierKey,
  parseNoteVerifierKey,
  NoteError,
  type NoteVerifier,
} from "./note.ts";
export { formatCheckpoint, parseCheckpoint, CheckpointError, type Checkpoint } from "./checkpoint.ts";
export {
  hashesToStore,
  rootOf,
  proveInclusion,
  proveConsistency,
  type HashAt,
  type HashReader,
  type StoredHash,
} from "./merkle-log.ts";
