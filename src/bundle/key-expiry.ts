// When the keys a bundle set is signed with stop being trusted. A bundle depends on a key when, without that
// key's signature, it would have fewer valid signers than the trust set's threshold: the day that key's notAfter
// passes, the bundle stops verifying and servers stop serving it. Keys without a notAfter never expire.
import type { TrustSet } from "./trust.ts";

export interface KeyExpiry {
  readonly keyId: string;
  readonly notAfter: Date;
  /** Some bundle of the set would no longer meet its threshold without this key. */
  readonly inUse: boolean;
}

export function keyExpiries(
  trust: TrustSet,
  bundles: readonly { readonly signerKeyIds: readonly string[] }[],
): KeyExpiry[] {
  const expiries: KeyExpiry[] = [];
  for (const trusted of trust.keys) {
    if (trusted.notAfter === undefined || trusted.revoked === true) continue;
    const keyId = trusted.key.keyId;
    const inUse = bundles.some(
      (b) => b.signerKeyIds.includes(keyId) && b.signerKeyIds.length - 1 < trust.threshold,
    );
    expiries.push({ keyId, notAfter: trusted.notAfter, inUse });
  }
  return expiries;
}
