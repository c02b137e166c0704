// Attestations: execution fingerprint, signals hash, build/sign/verify. Pure and synchronous.
export {
  ExecutionState,
  executionFingerprint,
  signalsHash,
  signAttestation,
  verifyAttestation,
  isAttestationShaped,
  type Attestation,
  type UnsignedAttestation,
  type AttestationInput,
  type AttestationChecks,
  type AttestationVerification,
  type Decision,
  type KnownBundle,
  type VerifyAttestationOptions,
} from "./attestation.ts";
export { decisionLeafData, decisionLeafHash, DECISION_LEAF_DOMAIN } from "./log-leaf.ts";
