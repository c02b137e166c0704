// Ed25519 keys: PKCS#8 PEM private keys, SPKI PEM public keys (what `openssl genpkey -algorithm ed25519` and
// `openssl pkey -pubout` write), parsed once into KeyObjects that signing and verifying reuse.
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import { sha256Hex } from "./hash.ts";

export class KeyError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "KeyError";
  }
}

export interface PublicKey {
  /** `ed25519:` + the first 16 hex digits of SHA-256 over the SPKI DER encoding. */
  readonly keyId: string;
  readonly key: KeyObject;
  readonly pem: string;
}

export interface SigningKey {
  readonly keyId: string;
  readonly privateKey: KeyObject;
  readonly publicKey: PublicKey;
}

const MAX_PEM_BYTES = 16 * 1024;

export function keyIdOf(publicKey: KeyObject): string {
  return `ed25519:${sha256Hex(publicKey.export({ type: "spki", format: "der" })).slice(0, 16)}`;
}

function requireEd25519(key: KeyObject, what: string): void {
  if (key.asymmetricKeyType !== "ed25519") {
    throw new KeyError(
      `${what} is a ${key.asymmetricKeyType ?? "symmetric"} key; only Ed25519 keys are accepted`,
    );
  }
}

function boundedPem(pem: string | Buffer, what: string): string {
  const text = typeof pem === "string" ? pem : pem.toString("utf8");
  if (text.length > MAX_PEM_BYTES)
    throw new KeyError(`${what} is larger than ${String(MAX_PEM_BYTES)} bytes`);
  return text;
}

function publicKeyFromObject(key: KeyObject): PublicKey {
  const pem = key.export({ type: "spki", format: "pem" }).toString();
  return { keyId: keyIdOf(key), key, pem };
}

const PUBLIC_KEY_PEM =
  /^-----BEGIN PUBLIC KEY-----\r?\n((?:[A-Za-z0-9+/=]+\r?\n)+)-----END PUBLIC KEY-----\r?\n?$/;

/** The DER bytes inside one PEM `PUBLIC KEY` block, refusing anything around it and non-canonical base64. */
function publicKeyDer(text: string, source: string): Buffer {
  const match = PUBLIC_KEY_PEM.exec(text.trim() + "\n");
  const body = match?.[1]?.replace(/\r?\n/g, "");
  if (body === undefined) throw new KeyError(`${source} is not a PEM public key (SPKI)`);
  const der = Buffer.from(body, "base64");
  if (der.toString("base64") !== body)
    throw new KeyError(`${source} is not a PEM public key (SPKI): its base64 is not canonical`);
  return der;
}

/**
 * Parses an SPKI PEM Ed25519 public key, accepting only the one canonical DER encoding (RFC 8410): node:crypto
 * (OpenSSL) tolerates trailing bytes and a BIT STRING that declares unused bits — the latter silently clears
 * the key's last bit, so a trust file could name one key and trust another.
 */
export function parsePublicKey(pem: string | Buffer, source = "public key"): PublicKey {
  const der = publicKeyDer(boundedPem(pem, source), source);
  let key: KeyObject;
  try {
    key = createPublicKey({ key: der, format: "der", type: "spki" });
  } catch (error) {
    throw new KeyError(`${source} is not a PEM public key (SPKI)`, { cause: error });
  }
  requireEd25519(key, source);
  if (!key.export({ type: "spki", format: "der" }).equals(der))
    throw new KeyError(`${source} is not the canonical DER encoding of an Ed25519 SPKI public key`);
  return publicKeyFromObject(key);
}

/** Parses a PKCS#8 PEM Ed25519 private key; the public half and key id are derived once here. */
export function parseSigningKey(pem: string | Buffer, source = "private key"): SigningKey {
  const text = boundedPem(pem, source);
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: text, format: "pem" });
  } catch (error) {
    throw new KeyError(`${source} is not an unencrypted PEM private key (PKCS#8)`, { cause: error });
  }
  requireEd25519(privateKey, source);
  const publicKey = publicKeyFromObject(createPublicKey(privateKey));
  return { keyId: publicKey.keyId, privateKey, publicKey };
}

export interface GeneratedKeyPair {
  readonly keyId: string;
  readonly privateKeyPem: string;
  readonly publicKeyPem: string;
}

export function generateSigningKeyPair(): GeneratedKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  return {
    keyId: keyIdOf(publicKey),
    privateKeyPem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
  };
}
