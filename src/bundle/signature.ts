// bundle.sig: `{"signatures": [{"keyId", "sig"}]}` over domain PARMANA_BUNDLE_V1 and the canonical manifest.
// The older form, one bare base64 signature, is still read.
import { SigningDomain, signPayload, type SigningKey } from "../crypto/index.ts";
import type { BundleManifest } from "./manifest.ts";

export interface BundleSignature {
  /** Absent only for the older bare-signature form, where the key is found by trying the trusted ones. */
  readonly keyId?: string;
  readonly sig: string;
}

export class SignatureFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SignatureFileError";
  }
}

const MAX_SIGNATURES = 32;

export function parseSignatureFile(text: string): BundleSignature[] {
  const trimmed = text.trim();
  if (/^[A-Za-z0-9+/]+={0,2}$/.test(trimmed)) return [{ sig: trimmed }];
  let doc: unknown;
  try {
    doc = JSON.parse(trimmed);
  } catch {
    throw new SignatureFileError("bundle.sig is neither JSON nor a base64 signature");
  }
  const list = (doc as { signatures?: unknown } | null)?.signatures;
  if (!Array.isArray(list) || list.length === 0 || list.length > MAX_SIGNATURES) {
    throw new SignatureFileError(
      `bundle.sig must hold 1 to ${String(MAX_SIGNATURES)} entries in "signatures"`,
    );
  }
  return list.map((entry: unknown, i) => {
    const { keyId, sig } = (entry ?? {}) as { keyId?: unknown; sig?: unknown };
    if (typeof keyId !== "string" || typeof sig !== "string") {
      throw new SignatureFileError(`bundle.sig signatures[${String(i)}] needs string "keyId" and "sig"`);
    }
    return { keyId, sig };
  });
}

export function serializeSignatureFile(signatures: readonly BundleSignature[]): string {
  return `${JSON.stringify({ signatures: signatures.map(({ keyId, sig }) => ({ keyId, sig })) }, null, 2)}\n`;
}

export function signManifest(manifest: BundleManifest, key: SigningKey): BundleSignature {
  return { keyId: key.keyId, sig: signPayload(SigningDomain.bundle, manifest, key) };
}

/** Adds (or replaces) `key`'s signature among `existing`. */
export function addSignature(
  existing: readonly BundleSignature[],
  manifest: BundleManifest,
  key: SigningKey,
): BundleSignature[] {
  return [...existing.filter((s) => s.keyId !== key.keyId), signManifest(manifest, key)];
}
