// A trust set from files, wherever they come from (a directory, a Kubernetes Secret): every `*.pub` file is
// a trusted SPKI PEM key; an optional `trust.json` sets the threshold and each key's validity and revocation:
// {"threshold": 2, "keys": {"ed25519:…": {"notBefore": "…", "notAfter": "…", "revoked": false}}}
import { parsePublicKey } from "../crypto/index.ts";
import { createTrustSet, type TrustSet, type TrustedKey } from "./trust.ts";

export const TRUST_METADATA_FILE = "trust.json";

export class TrustConfigError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "TrustConfigError";
  }
}

interface KeyMetadata {
  readonly notBefore?: string;
  readonly notAfter?: string;
  readonly revoked?: boolean;
}

function parseDate(value: unknown, where: string): Date | undefined {
  if (value === undefined) return undefined;
  const date = typeof value === "string" ? new Date(value) : new Date(Number.NaN);
  if (Number.isNaN(date.getTime())) throw new TrustConfigError(`${where} is not an RFC 3339 date`);
  return date;
}

function parseMetadata(text: string | undefined): { threshold?: number; keys: Record<string, KeyMetadata> } {
  if (text === undefined) return { keys: {} };
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    throw new TrustConfigError(`${TRUST_METADATA_FILE} is not valid JSON`, { cause: error });
  }
  const { threshold, keys } = (doc ?? {}) as { threshold?: unknown; keys?: unknown };
  if (threshold !== undefined && (!Number.isSafeInteger(threshold) || (threshold as number) < 1)) {
    throw new TrustConfigError(`${TRUST_METADATA_FILE}: "threshold" must be an integer ≥ 1`);
  }
  if (keys !== undefined && (typeof keys !== "object" || keys === null || Array.isArray(keys))) {
    throw new TrustConfigError(
      `${TRUST_METADATA_FILE}: "keys" must map key ids to {notBefore, notAfter, revoked}`,
    );
  }
  return {
    ...(threshold !== undefined && { threshold: threshold as number }),
    keys: (keys ?? {}) as Record<string, KeyMetadata>,
  };
}

/** Builds a trust set from named files; `threshold` (e.g. from a custom resource) overrides trust.json's. */
export function trustSetFromFiles(
  files: ReadonlyMap<string, Uint8Array | string>,
  threshold?: number,
): TrustSet {
  const asText = (v: Uint8Array | string): string =>
    typeof v === "string" ? v : Buffer.from(v).toString("utf8");
  const metadataFile = files.get(TRUST_METADATA_FILE);
  const metadata = parseMetadata(metadataFile === undefined ? undefined : asText(metadataFile));
  const keys: TrustedKey[] = [];
  for (const [name, content] of [...files.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    if (!name.endsWith(".pub")) continue;
    const key = parsePublicKey(asText(content), name);
    if (keys.some((k) => k.key.keyId === key.keyId)) continue;
    const meta = metadata.keys[key.keyId] ?? {};
    const notBefore = parseDate(meta.notBefore, `${TRUST_METADATA_FILE} keys.${key.keyId}.notBefore`);
    const notAfter = parseDate(meta.notAfter, `${TRUST_METADATA_FILE} keys.${key.keyId}.notAfter`);
    keys.push({
      key,
      ...(notBefore && { notBefore }),
      ...(notAfter && { notAfter }),
      ...(meta.revoked === true && { revoked: true }),
    });
  }
  if (keys.length === 0)
    throw new TrustConfigError("no trusted keys: expected at least one *.pub file (SPKI PEM)");
  return createTrustSet(keys, threshold ?? metadata.threshold ?? 1);
}
