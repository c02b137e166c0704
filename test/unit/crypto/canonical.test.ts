import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { CanonicalizationError, canonicalize } from "../../../src/crypto/index.ts";

interface JcsVectors {
  objects: { name: string; input: string; canonical: string }[];
  numbers: [string, string][];
  rejectedNumbers: string[];
}
const vectors = JSON.parse(
  readFileSync(new URL("../../vectors/rfc8785-jcs.json", import.meta.url), "utf8"),
) as JcsVectors;

function double(bits: string): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, BigInt(`0x${bits}`));
  return view.getFloat64(0);
}

test("canonical: the RFC 8785 sample objects canonicalise byte for byte", () => {
  for (const { name, input, canonical } of vectors.objects) {
    assert.equal(canonicalize(JSON.parse(input)), canonical, name);
  }
});

test("canonical: every RFC 8785 Appendix B number serialises as published", () => {
  assert.equal(vectors.numbers.length, 24);
  for (const [bits, expected] of vectors.numbers) {
    assert.equal(canonicalize(double(bits)), expected, `0x${bits}`);
  }
});

test("canonical: NaN and Infinity from Appendix B are rejected", () => {
  for (const bits of vectors.rejectedNumbers) {
    assert.throws(() => canonicalize(double(bits)), CanonicalizationError);
  }
});

test("canonical: values JSON cannot carry are refused, naming where", () => {
  const cyclic: Record<string, unknown> = { a: 1 };
  cyclic["self"] = { back: cyclic };
  const cases: [unknown, RegExp][] = [
    [{ n: Number.POSITIVE_INFINITY }, /not finite at \$\.n/],
    [{ big: 10n }, /BigInt cannot be represented in JSON at \$\.big/],
    [[1, undefined], /undefined inside an array at \$\[1\]/],
    [cyclic, /cycle at \$\.self\.back/],
    [{ s: "a\ud800b" }, /lone surrogate .* at \$\.s/],
    [{ ["\udc00"]: 1 }, /lone surrogate/],
    [{ d: new Date(0) }, /Date is not a plain JSON object at \$\.d/],
    [{ f: () => 1 }, /function cannot be represented/],
    [new Map(), /Map is not a plain JSON object/],
  ];
  for (const [value, message] of cases) {
    assert.throws(
      () => canonicalize(value),
      (error: unknown) => error instanceof CanonicalizationError && message.test(error.message),
    );
  }
});

test("canonical: members are sorted by UTF-16 code units, undefined members are omitted, -0 is 0", () => {
  assert.equal(
    canonicalize({ b: 1, a: undefined, A: [true, null], "\u00e9": -0 }),
    '{"A":[true,null],"b":1,"é":0}',
  );
  // U+1F600 (surrogates D83D DE00) sorts before U+FB33 by code unit, though after it by code point.
  assert.equal(canonicalize({ "\ufb33": 1, "\u{1f600}": 2 }), '{"\u{1f600}":2,"\ufb33":1}');
  assert.equal(canonicalize({ nested: { z: 1, y: { b: 2, a: 1 } } }), '{"nested":{"y":{"a":1,"b":2},"z":1}}');
  assert.equal(canonicalize(Object.create(null) as object), "{}");
});

test("canonical: canonicalisation is idempotent and independent of member order (property)", () => {
  fc.assert(
    fc.property(fc.jsonValue(), (value) => {
      const once = canonicalize(value);
      assert.equal(canonicalize(JSON.parse(once)), once);
      const shuffled = JSON.parse(JSON.stringify(value), (_key, v: unknown) =>
        typeof v === "object" && v !== null && !Array.isArray(v)
          ? Object.fromEntries(Object.entries(v).reverse())
          : v,
      ) as unknown;
      assert.equal(canonicalize(shuffled), once);
    }),
    { numRuns: 500 },
  );
});

test("canonical: hostile inputs either canonicalise to parseable JSON or fail with a CanonicalizationError (property)", () => {
  const hostile = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: "small" },
      fc.double(),
      fc.string({ unit: "binary" }),
      fc.constantFrom(null, true, false, undefined, Number.NaN, -0, Number.MAX_VALUE),
      fc.array(tie("value"), { maxLength: 4 }),
      fc.dictionary(fc.string({ unit: "binary", maxLength: 4 }), tie("value"), { maxKeys: 4 }),
    ),
  })).value;
  fc.assert(
    fc.property(hostile, (value) => {
      let text: string;
      try {
        text = canonicalize(value);
      } catch (error) {
        assert.ok(error instanceof CanonicalizationError, String(error));
        return;
      }
      assert.equal(canonicalize(JSON.parse(text)), text);
    }),
    { numRuns: 1000 },
  );
});

test("canonical: array-index-like keys are ordered by code units too, not first as JavaScript enumerates them", () => {
  assert.equal(
    canonicalize({ b: 1, "10": 2, "2": 3, a: { "1": 0, "\r": 1 } }),
    '{"10":2,"2":3,"a":{"\\r":1,"1":0},"b":1}',
  );
  assert.equal(
    canonicalize({ "4294967295": 1, "4294967294": 2, x: 0 }),
    '{"4294967294":2,"4294967295":1,"x":0}',
  );
});
