// Trust sets: which public keys may sign bundles, when, and how many must agree. Rotation is "add the new key,
// re-sign, remove the old key", and bundles keep verifying throughout.
import type { PublicKey } from "../crypto/index.ts";

export interface TrustedKey {
  readonly key: PublicKey;
  /** Signatures by this key are accepted from this instant on. */
  readonly notBefore?: Date;
  /** ...and until this instant. */
  readonly notAfter?: Date;
  readonly revoked?: boolean;
}

export interface TrustSet {
  readonly keys: readonly TrustedKey[];
  /** Distinct trusted keys that must have signed; at least 1. */
  readonly threshold: number;
}

export type KeyStanding = "valid" | "untrusted" | "expired" | "revoked";

export function createTrustSet(keys: readonly TrustedKey[], threshold = 1): TrustSet {
  if (!Number.isSafeInteger(threshold) || threshold < 1)
    throw new RangeError("threshold must be an integer ≥ 1");
  return { keys, threshold };
}

export function findTrustedKey(trust: TrustSet, keyId: string): TrustedKey | undefined {
  return trust.keys.find((k) => k.key.keyId === keyId);
}

export function keyStanding(trusted: TrustedKey | undefined, now: Date): KeyStanding {
  if (!trusted) return "untrusted";
  if (trusted.revoked === true) return "revoked";
  if ((trusted.notBefore && now < trusted.notBefore) || (trusted.notAfter && now > trusted.notAfter))
    return "expired";
  return "valid";
}
