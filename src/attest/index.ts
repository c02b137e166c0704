// Attestations: execution fingerprint, signals hash, build/sign/verify, alone or in batches. Pure and synchronous.
export {
  ExecutionState,
  executionFingerprint,
  signalsHash,
  signAttestation,
  unsignedAttestation,
  verifyAttestation,
  isAttestationShaped,
  type Attestation,
  type UnsignedAttestation,
  type AttestationBatch,
  type AttestationInput,
  type AttestationChecks,
  type AttestationVerification,
  type Decision,
  type KnownBundle,
  type VerifyAttestationOptions,
} from "./attestation.ts";
export { decisionLeafData, decisionLeafHash, DECISION_LEAF_DOMAIN } from "./log-leaf.ts";
export { signAttestationBatch, checkAttestationBatch, type SignedBatch } from "./batch.ts";
export {
  MAX_BATCH_SIZE,
  attestationLeaf,
  batchRoot,
  batchRootPayload,
  isBatchShaped,
  verifyBatchSignature,
  type BatchRootPayload,
} from "./batch-proof.ts";
