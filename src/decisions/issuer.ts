// Issuing an attestation: sign it and check the signature before anything may leave. The port the decision
// flow signs through; alone (one signature each) or batched (batch-issuer.ts) behind the same call.
import {
  signAttestation,
  verifyAttestation,
  type Attestation,
  type AttestationInput,
} from "../attest/index.ts";
import type { SigningKey } from "../crypto/index.ts";
import { inSpanSync } from "../tracing/index.ts";

/** The attestation (or its batch) did not verify with the server's own key; nothing of it may be issued. */
export class SelfCheckFailedError extends Error {
  constructor() {
    super("the attestation failed its self-check; no decision was issued");
    this.name = "SelfCheckFailedError";
  }
}

export interface AttestationIssuer {
  /** Signs and self-checks; rejects with SelfCheckFailedError when the check fails. */
  issue(input: AttestationInput): Promise<Attestation>;
}

/** PARMANA_SIGNING_MODE=per-decision: signs one attestation alone, synchronously, and verifies it. */
export function issueAlone(input: AttestationInput, signer: SigningKey): Attestation {
  const attestation = inSpanSync("parmana.sign", () => signAttestation(input, signer));
  const checked = inSpanSync(
    "parmana.self_check",
    () => verifyAttestation(attestation, [signer.publicKey]).checks.signature_verified,
  );
  if (!checked) throw new SelfCheckFailedError();
  return attestation;
}
