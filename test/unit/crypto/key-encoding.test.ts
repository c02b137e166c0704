// Trust inputs have one spelling: a public key is accepted only as the canonical DER SPKI of an Ed25519 key,
// and every Wycheproof Ed25519 vector (vendored in test/fixtures/standards/wycheproof) behaves as it says.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { verify } from "node:crypto";
import { KeyError, generateSigningKeyPair, parsePublicKey } from "../../../src/crypto/index.ts";

interface WycheproofTest {
  readonly tcId: number;
  readonly comment: string;
  readonly msg: string;
  readonly sig: string;
  readonly result: "valid" | "invalid";
}
interface WycheproofGroup {
  readonly publicKey: { readonly pk: string };
  readonly publicKeyDer: string;
  readonly publicKeyPem: string;
  readonly tests: readonly WycheproofTest[];
}
const wycheproof = JSON.parse(
  readFileSync(new URL("../../fixtures/standards/wycheproof/ed25519_test.json", import.meta.url), "utf8"),
) as { numberOfTests: number; testGroups: readonly WycheproofGroup[] };

const pem = (der: Buffer): string =>
  `-----BEGIN PUBLIC KEY-----\n${(der.toString("base64").match(/.{1,64}/g) ?? []).join("\n")}\n-----END PUBLIC KEY-----\n`;

const refused = (input: string, why: RegExp, label: string): void => {
  assert.throws(
    () => parsePublicKey(input, "trust/k.pub"),
    (e: unknown) => e instanceof KeyError && why.test(e.message) && e.message.startsWith("trust/k.pub"),
    label,
  );
};

test("keys.wycheproof: every Ed25519 key parses to its raw key and every signature vector verifies as expected", () => {
  let checked = 0;
  for (const group of wycheproof.testGroups) {
    const key = parsePublicKey(group.publicKeyPem);
    const der = key.key.export({ type: "spki", format: "der" });
    assert.equal(der.toString("hex"), group.publicKeyDer);
    assert.equal(der.subarray(12).toString("hex"), group.publicKey.pk);
    assert.equal(parsePublicKey(pem(Buffer.from(group.publicKeyDer, "hex"))).keyId, key.keyId);
    for (const t of group.tests) {
      let ok: boolean;
      try {
        ok = verify(null, Buffer.from(t.msg, "hex"), key.key, Buffer.from(t.sig, "hex"));
      } catch {
        ok = false;
      }
      assert.equal(ok, t.result === "valid", `tcId ${String(t.tcId)} (${t.comment})`);
      checked++;
    }
  }
  assert.equal(checked, wycheproof.numberOfTests);
  assert.equal(checked, 151);
});

test("keys.strict-der: non-canonical SPKI encodings of an Ed25519 key are refused, never reinterpreted", () => {
  const der = Buffer.from(wycheproof.testGroups[0]?.publicKeyDer ?? "", "hex");
  assert.equal(der.length, 44);
  assert.ok(parsePublicKey(pem(der)));
  const mutate = (edit: (b: Buffer) => Buffer): Buffer => edit(Buffer.from(der));
  const cases: [string, Buffer][] = [
    ["a trailing byte after the SEQUENCE", Buffer.concat([der, Buffer.from([0])])],
    ["a second SEQUENCE appended", Buffer.concat([der, der])],
    [
      "a BIT STRING declaring one unused bit (OpenSSL would clear the key's last bit)",
      mutate((b) => {
        b[11] = 1;
        return b;
      }),
    ],
    [
      "a BIT STRING declaring seven unused bits",
      mutate((b) => {
        b[11] = 7;
        return b;
      }),
    ],
    [
      "a long-form length where the short form fits (BER, not DER)",
      Buffer.concat([Buffer.from([0x30, 0x81, 0x2a]), der.subarray(2)]),
    ],
    [
      "algorithm parameters present (RFC 8410 says absent)",
      Buffer.concat([
        Buffer.from([0x30, 0x2c, 0x30, 0x07, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x05, 0x00]),
        der.subarray(9),
      ]),
    ],
    ["a truncated key", Buffer.concat([Buffer.from([0x30, 0x29]), der.subarray(2, 43)])],
  ];
  for (const [label, bytes] of cases) refused(pem(bytes), /not (a PEM public key|the canonical DER)/, label);
});

test("keys.strict-pem: one PUBLIC KEY block with canonical base64, nothing around it", () => {
  const good = generateSigningKeyPair().publicKeyPem;
  assert.ok(parsePublicKey(good));
  assert.ok(
    parsePublicKey(`\n  ${good.replace(/\n/g, "\r\n")}  \n`),
    "surrounding whitespace and CRLF are fine",
  );
  const body = good.split("\n")[1] ?? "";
  const last = body.at(-2) ?? "A";
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const sibling = alphabet[alphabet.indexOf(last) ^ 1] ?? "A";
  const cases: [string, string][] = [
    ["text before the block", `comment\n${good}`],
    ["text after the block", `${good}trailing`],
    ["two blocks", good + good],
    ["another label", good.replace(/PUBLIC KEY/g, "RSA PUBLIC KEY")],
    ["a character outside base64", good.replace(body, `${body.slice(0, 10)}*${body.slice(11)}`)],
    ["non-canonical base64 (unused bits set)", good.replace(body, `${body.slice(0, -2)}${sibling}=`)],
  ];
  for (const [label, text] of cases) refused(text, /not a PEM public key/, label);
});
