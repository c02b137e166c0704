import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { canonicalize } from "../../../src/crypto/index.ts";
import {
  buildManifest,
  serializeSignatureFile,
  signManifest,
  verifyBundleFiles,
} from "../../../src/bundle/index.ts";
import { examplePolicy, newSigningKey, trustOf } from "../../support/bundles.ts";

test("bundle.verify: verification accepts exactly what was signed (property)", async () => {
  const policy = await examplePolicy();
  const key = newSigningKey();
  const trust = trustOf([key]);
  const bundle = fc.record({
    description: fc.string({ maxLength: 200 }),
    notes: fc.uint8Array({ minLength: 1, maxLength: 300 }),
    revision: fc.integer({ min: 1, max: 1_000_000 }),
  });
  fc.assert(
    fc.property(
      bundle,
      fc.nat(),
      fc.integer({ min: 1, max: 255 }),
      ({ description, notes, revision }, where, mask) => {
        const files = new Map<string, Uint8Array>([
          ["policy.json", Buffer.from(JSON.stringify({ ...policy, description }))],
          ["notes.bin", notes],
        ]);
        const manifest = buildManifest({
          policyId: "loan-approval",
          policyVersion: "1.2.0",
          revision,
          issuedAt: new Date(0),
          files,
          supportedSchemaVersions: ["1.0.0"],
        });
        files.set("bundle.manifest.json", Buffer.from(canonicalize(manifest)));
        files.set("bundle.sig", Buffer.from(serializeSignatureFile([signManifest(manifest, key)])));
        const verified = verifyBundleFiles(files, { trust });
        assert.ok(verified.ok, JSON.stringify(verified));

        // Flip bits of one byte of what is signed or hashed. Formatting that is not (JSON whitespace in
        // policy.json, the layout of bundle.sig) is left alone: policy.json is hashed in canonical form, and
        // only the signature value inside bundle.sig carries meaning.
        const names = ["notes.bin", "bundle.manifest.json", "bundle.sig", "policy.json"];
        const name = names[where % names.length] ?? "notes.bin";
        const original =
          name === "policy.json"
            ? Buffer.from(canonicalize({ ...policy, description }))
            : Buffer.from(files.get(name) ?? []);
        const changed = Buffer.from(original);
        const sigValue = original.indexOf('"sig": "') + '"sig": "'.length;
        const offset = Math.floor(where / names.length);
        const at = name === "bundle.sig" ? sigValue + (offset % 88) : offset % changed.length;
        changed[at] = (changed[at] ?? 0) ^ mask;
        const tampered = new Map(files);
        tampered.set(name, changed);
        const result = verifyBundleFiles(tampered, { trust });
        assert.equal(
          result.ok,
          false,
          `flipping byte ${String(at)} of ${name} with ${String(mask)} must be caught`,
        );
      },
    ),
    { numRuns: 300 },
  );
});
