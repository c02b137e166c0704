// Domain-separated Ed25519 signatures: message = DOMAIN + "\n" + canonical(payload), so a signature made
// for one purpose never verifies for another.
import { sign, verify } from "node:crypto";
import { canonicalize } from "./canonical.ts";
import type { PublicKey, SigningKey } from "./keys.ts";

export const SigningDomain = {
  bundle: "PARMANA_BUNDLE_V1",
  attestation: "PARMANA_ATTESTATION_V1",
  /** A batch of attestations: the root of the Merkle tree whose leaves are their PARMANA_ATTESTATION_V1 messages. */
  attestationBatch: "PARMANA_ATTESTATION_BATCH_V1",
  override: "PARMANA_OVERRIDE_V1",
  archiveSeal: "PARMANA_ARCHIVE_SEAL_V1",
} as const;
export type SigningDomain = (typeof SigningDomain)[keyof typeof SigningDomain];

const SIGNATURE_BYTES = 64;
const BASE64 = /^[A-Za-z0-9+/]{86}==$/;

/** The exact bytes that are signed for `payload` in `domain`. */
export function signingMessage(domain: SigningDomain, payload: unknown): Buffer {
  return Buffer.from(`${domain}\n${canonicalize(payload)}`, "utf8");
}

/** Signs `payload` in `domain`; returns standard base64 (88 characters). */
export function signPayload(domain: SigningDomain, payload: unknown, key: SigningKey): string {
  return sign(null, signingMessage(domain, payload), key.privateKey).toString("base64");
}

/** Whether `signature` (base64) is `key`'s signature of `payload` in `domain`. Never throws on bad input. */
export function verifyPayload(
  domain: SigningDomain,
  payload: unknown,
  signature: string,
  key: PublicKey,
): boolean {
  return verifyMessage(signingMessage(domain, payload), signature, key);
}

export function verifyMessage(message: Uint8Array, signature: string, key: PublicKey): boolean {
  if (!BASE64.test(signature)) return false;
  const bytes = Buffer.from(signature, "base64");
  // Only the one canonical spelling: unused low bits of the last character must be zero.
  if (bytes.length !== SIGNATURE_BYTES || bytes.toString("base64") !== signature) return false;
  return verify(null, message, key.key, bytes);
}
