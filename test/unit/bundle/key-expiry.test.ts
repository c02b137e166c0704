// Which expiring keys a bundle set depends on: a key counts when a bundle would fall below its threshold
// without that key's signature; keys with no notAfter, and revoked keys, are not reported.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createTrustSet, keyExpiries } from "../../../src/bundle/index.ts";
import { newSigningKey } from "../../support/bundles.ts";

test("key-expiry: a key is in use when some bundle needs its signature to meet the threshold", () => {
  const [a, b, c, d] = [newSigningKey(), newSigningKey(), newSigningKey(), newSigningKey()];
  const soon = new Date("2027-01-01T00:00:00Z");
  const later = new Date("2028-01-01T00:00:00Z");
  const trust = createTrustSet(
    [
      { key: a.publicKey, notAfter: soon },
      { key: b.publicKey, notAfter: later },
      { key: c.publicKey }, // never expires: not reported
      { key: d.publicKey, notAfter: soon, revoked: true }, // revoked: trusted for nothing
    ],
    2,
  );
  const id = (k: typeof a): string => k.publicKey.keyId;
  // Signed by a and b with threshold 2: both are needed. Signed by a, b and c: none alone is.
  const needsBoth = { signerKeyIds: [id(a), id(b)] };
  const spare = { signerKeyIds: [id(a), id(b), id(c)] };
  assert.deepEqual(keyExpiries(trust, [needsBoth]), [
    { keyId: id(a), notAfter: soon, inUse: true },
    { keyId: id(b), notAfter: later, inUse: true },
  ]);
  assert.deepEqual(
    keyExpiries(trust, [spare]).map((e) => e.inUse),
    [false, false],
  );
  assert.deepEqual(
    keyExpiries(trust, []).map((e) => [e.keyId, e.inUse]),
    [
      [id(a), false],
      [id(b), false],
    ],
    "with no bundle, no key is in use",
  );
});
