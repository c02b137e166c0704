// SHA-256 as lowercase hex; `sha256:<hex>` is the form shown to people and stored in manifests.
import { hash } from "node:crypto";
import { canonicalBytes } from "./canonical.ts";

export const HASH_PREFIX = "sha256:";
const HEX_DIGEST = /^[0-9a-f]{64}$/;

export function sha256Hex(data: string | Uint8Array): string {
  return hash("sha256", data, "hex");
}

/** `sha256:<hex>` of the bytes. */
export function sha256Tagged(data: string | Uint8Array): string {
  return HASH_PREFIX + sha256Hex(data);
}

/** `sha256:<hex>` of the canonical JSON of `value`. */
export function canonicalHash(value: unknown): string {
  return sha256Tagged(canonicalBytes(value));
}

/** Accepts `sha256:<hex>` or bare hex; returns the bare lowercase hex, or undefined when it is neither. */
export function parseSha256(text: string): string | undefined {
  const hex = (text.startsWith(HASH_PREFIX) ? text.slice(HASH_PREFIX.length) : text).toLowerCase();
  return HEX_DIGEST.test(hex) ? hex : undefined;
}

/** Whether two hashes name the same digest, whichever of the two forms each is written in. */
export function sameHash(a: string, b: string): boolean {
  const x = parseSha256(a);
  return x !== undefined && x === parseSha256(b);
}
