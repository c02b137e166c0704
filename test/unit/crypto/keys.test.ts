import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify } from "node:crypto";
import {
  KeyError,
  SigningDomain,
  generateSigningKeyPair,
  keyIdOf,
  parsePublicKey,
  parseSigningKey,
  sha256Hex,
  signPayload,
  signingMessage,
  verifyPayload,
} from "../../../src/crypto/index.ts";

interface Ed25519Vector {
  name: string;
  secretKey: string;
  publicKey: string;
  message: string;
  signature: string;
}
const { vectors } = JSON.parse(
  readFileSync(new URL("../../vectors/rfc8032-ed25519.json", import.meta.url), "utf8"),
) as {
  vectors: Ed25519Vector[];
};

// DER prefixes that wrap a raw 32-byte Ed25519 seed (PKCS#8) or public key (SPKI), per RFC 8410.
const PKCS8_PREFIX = "302e020100300506032b657004220420";
const SPKI_PREFIX = "302a300506032b6570032100";

function pemFromSeed(seedHex: string): string {
  return createPrivateKey({ key: Buffer.from(PKCS8_PREFIX + seedHex, "hex"), format: "der", type: "pkcs8" })
    .export({ type: "pkcs8", format: "pem" })
    .toString();
}

test("keys: the RFC 8032 Ed25519 vectors sign and verify exactly through the parsed keys", () => {
  assert.equal(vectors.length, 4);
  for (const v of vectors) {
    const key = parseSigningKey(pemFromSeed(v.secretKey));
    const spki = key.publicKey.key.export({ type: "spki", format: "der" }).toString("hex");
    assert.equal(spki, SPKI_PREFIX + v.publicKey, `${v.name}: public key`);
    const message = Buffer.from(v.message, "hex");
    assert.equal(sign(null, message, key.privateKey).toString("hex"), v.signature, `${v.name}: signature`);
    const publicKey = parsePublicKey(key.publicKey.pem);
    assert.ok(verify(null, message, publicKey.key, Buffer.from(v.signature, "hex")), `${v.name}: verifies`);
    const flipped = Buffer.from(v.signature, "hex");
    flipped[0] = (flipped[0] ?? 0) ^ 1;
    assert.ok(!verify(null, message, publicKey.key, flipped), `${v.name}: a flipped bit fails`);
  }
});

test("keys: keyId is ed25519: + the first 16 hex digits of SHA-256 over the SPKI DER", () => {
  const pair = generateSigningKeyPair();
  const der = createPublicKey(pair.publicKeyPem).export({ type: "spki", format: "der" });
  assert.equal(pair.keyId, `ed25519:${sha256Hex(der).slice(0, 16)}`);
  assert.match(pair.keyId, /^ed25519:[0-9a-f]{16}$/);
  assert.equal(parseSigningKey(pair.privateKeyPem).keyId, pair.keyId);
  assert.equal(parsePublicKey(pair.publicKeyPem).keyId, pair.keyId);
  assert.equal(keyIdOf(createPublicKey(pair.publicKeyPem)), pair.keyId);
});

test("keys: non-Ed25519, malformed and oversized keys are refused with a KeyError", () => {
  const rsa = generateKeyPairSync("rsa", { modulusLength: 1024 });
  const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const cases: [() => unknown, RegExp][] = [
    [() => parseSigningKey(rsa.privateKey.export({ type: "pkcs8", format: "pem" })), /rsa key; only Ed25519/],
    [() => parsePublicKey(ec.publicKey.export({ type: "spki", format: "pem" })), /ec key; only Ed25519/],
    [() => parsePublicKey("not a key"), /not a PEM public key/],
    [
      () => parseSigningKey("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"),
      /not an unencrypted PEM private key/,
    ],
    [() => parsePublicKey("x".repeat(20_000)), /larger than/],
  ];
  for (const [call, message] of cases)
    assert.throws(call, (e: unknown) => e instanceof KeyError && message.test(e.message));
});

test("signing: a signature made in one domain never verifies in another, nor over other content", () => {
  const key = parseSigningKey(generateSigningKeyPair().privateKeyPem);
  const payload = { policyId: "p", n: 1 };
  const sig = signPayload(SigningDomain.bundle, payload, key);
  assert.match(sig, /^[A-Za-z0-9+/]{86}==$/);
  assert.ok(verifyPayload(SigningDomain.bundle, payload, sig, key.publicKey));
  assert.ok(
    verifyPayload(SigningDomain.bundle, { n: 1, policyId: "p" }, sig, key.publicKey),
    "member order is irrelevant",
  );
  assert.ok(!verifyPayload(SigningDomain.attestation, payload, sig, key.publicKey));
  assert.ok(!verifyPayload(SigningDomain.override, payload, sig, key.publicKey));
  assert.ok(!verifyPayload(SigningDomain.bundle, { policyId: "p", n: 2 }, sig, key.publicKey));
  const other = parseSigningKey(generateSigningKeyPair().privateKeyPem);
  assert.ok(!verifyPayload(SigningDomain.bundle, payload, sig, other.publicKey));
});

test("signing: the signed message is DOMAIN, a newline, then the canonical JSON", () => {
  assert.equal(
    signingMessage(SigningDomain.attestation, { b: 2, a: 1 }).toString("utf8"),
    'PARMANA_ATTESTATION_V1\n{"a":1,"b":2}',
  );
});

test("signing: malformed signatures are rejected without throwing", () => {
  const key = parseSigningKey(generateSigningKeyPair().privateKeyPem);
  for (const bad of ["", "abc", "A".repeat(88), `${"A".repeat(86)}=`, "!".repeat(88), "A".repeat(200)]) {
    assert.equal(verifyPayload(SigningDomain.bundle, {}, bad, key.publicKey), false, JSON.stringify(bad));
  }
});

test("signing: a signature has one spelling; flipping the unused bits of its last base64 character fails", () => {
  const key = parseSigningKey(generateSigningKeyPair().privateKeyPem);
  const sig = signPayload(SigningDomain.bundle, { a: 1 }, key);
  const last = sig[85] ?? "A";
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const sibling = alphabet[alphabet.indexOf(last) ^ 1] ?? "A";
  const malleated = `${sig.slice(0, 85)}${sibling}==`;
  assert.deepEqual(Buffer.from(malleated, "base64"), Buffer.from(sig, "base64"), "decodes to the same bytes");
  assert.equal(verifyPayload(SigningDomain.bundle, { a: 1 }, malleated, key.publicKey), false);
});
