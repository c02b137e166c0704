import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { mkdir, readFile, rm, symlink, writeFile, rename } from "node:fs/promises";
import { join } from "node:path";
import { canonicalize, signPayload, SigningDomain } from "../../../src/crypto/index.ts";
import {
  BundleFailureReason,
  buildManifest,
  computeBundleHash,
  cosignBundleDirectory,
  createTrustSet,
  verifyBundleDirectory,
  type BundleManifest,
  type BundleVerification,
  type TrustSet,
} from "../../../src/bundle/index.ts";
import { makeBundle, newSigningKey, trustOf, type TestBundle } from "../../support/bundles.ts";

async function failure(
  result: Promise<BundleVerification>,
): Promise<{ reason: string; file?: string; message: string }> {
  const r = await result;
  if (r.ok) assert.fail("verification should fail");
  return r;
}

async function bundleWithReadme(t: TestContext): Promise<TestBundle> {
  return makeBundle(t, {
    extraFiles: { "README.txt": "notes\r\nabout the policy\n", "data/limits.json": '{"max": 5}' },
  });
}

test("bundle.verify: a built bundle verifies and reports what it is", async (t) => {
  const b = await bundleWithReadme(t);
  const r = await verifyBundleDirectory(b.dir, { trust: trustOf([b.key]) });
  assert.ok(r.ok, JSON.stringify(r));
  assert.equal(r.bundle.policyId, "loan-approval");
  assert.equal(r.bundle.policyVersion, "1.2.0");
  assert.equal(r.bundle.revision, 1);
  assert.deepEqual(r.bundle.signerKeyIds, [b.key.keyId]);
  assert.match(r.bundle.bundleHash, /^sha256:[0-9a-f]{64}$/);
  assert.match(r.bundle.manifestHash, /^sha256:[0-9a-f]{64}$/);
  assert.deepEqual(
    r.bundle.manifest.artifacts.map((a) => a.path),
    ["README.txt", "data/limits.json", "policy.json"],
  );
});

test("bundle.verify: one changed byte in any file is HASH_MISMATCH naming the file", async (t) => {
  const b = await bundleWithReadme(t);
  const trust = trustOf([b.key]);
  for (const file of ["README.txt", "data/limits.json", "policy.json"]) {
    const path = join(b.dir, file);
    const original = await readFile(path);
    const changed = Buffer.from(original);
    const at = changed.indexOf(file === "README.txt" ? "notes" : file === "policy.json" ? "flagged" : "5");
    changed[at] = (changed[at] ?? 0) ^ 0x01;
    await writeFile(path, changed);
    const r = await failure(verifyBundleDirectory(b.dir, { trust }));
    assert.deepEqual([r.reason, r.file], [BundleFailureReason.hashMismatch, file]);
    await writeFile(path, original);
  }
  assert.ok((await verifyBundleDirectory(b.dir, { trust })).ok, "restored bundle verifies again");
});

test("bundle.verify: an added file is EXTRA_FILE, a removed one MISSING_FILE", async (t) => {
  const b = await bundleWithReadme(t);
  const trust = trustOf([b.key]);
  await writeFile(join(b.dir, "backdoor.json"), "{}");
  assert.deepEqual(await failure(verifyBundleDirectory(b.dir, { trust })).then((r) => [r.reason, r.file]), [
    BundleFailureReason.extraFile,
    "backdoor.json",
  ]);
  await rm(join(b.dir, "backdoor.json"));
  await rm(join(b.dir, "README.txt"));
  assert.deepEqual(await failure(verifyBundleDirectory(b.dir, { trust })).then((r) => [r.reason, r.file]), [
    BundleFailureReason.missingFile,
    "README.txt",
  ]);
});

test("bundle.verify: any manifest edit breaks the signature (BAD_SIGNATURE), even with a recomputed bundle_hash", async (t) => {
  const b = await makeBundle(t);
  const trust = trustOf([b.key]);
  const path = join(b.dir, "bundle.manifest.json");
  const manifest = JSON.parse(await readFile(path, "utf8")) as BundleManifest;
  await writeFile(path, canonicalize({ ...manifest, revision: 99 }));
  assert.equal(
    (await failure(verifyBundleDirectory(b.dir, { trust }))).reason,
    BundleFailureReason.badSignature,
  );
  const files = new Map([["policy.json", await readFile(join(b.dir, "policy.json"))]]);
  const forged = buildManifest({
    policyId: manifest.policy_id,
    policyVersion: manifest.policy_version,
    revision: 99,
    issuedAt: new Date(),
    files,
    supportedSchemaVersions: ["1.0.0"],
  });
  await writeFile(path, canonicalize(forged));
  assert.equal(
    (await failure(verifyBundleDirectory(b.dir, { trust }))).reason,
    BundleFailureReason.badSignature,
  );
});

test("bundle.verify: signatures from untrusted, expired, not-yet-valid and revoked keys are refused", async (t) => {
  const b = await makeBundle(t);
  const other = newSigningKey();
  const day = 86_400_000;
  const now = new Date();
  const cases: [TrustSet, string][] = [
    [trustOf([other]), BundleFailureReason.untrustedKey],
    [
      createTrustSet([{ key: b.key.publicKey, notAfter: new Date(now.getTime() - day) }]),
      BundleFailureReason.keyExpired,
    ],
    [
      createTrustSet([{ key: b.key.publicKey, notBefore: new Date(now.getTime() + day) }]),
      BundleFailureReason.keyExpired,
    ],
    [
      createTrustSet([{ key: b.key.publicKey, revoked: true }, { key: other.publicKey }]),
      BundleFailureReason.keyRevoked,
    ],
  ];
  for (const [trust, reason] of cases) {
    assert.equal((await failure(verifyBundleDirectory(b.dir, { trust, now }))).reason, reason);
  }
  const window = createTrustSet([
    {
      key: b.key.publicKey,
      notBefore: new Date(now.getTime() - day),
      notAfter: new Date(now.getTime() + day),
    },
  ]);
  assert.ok((await verifyBundleDirectory(b.dir, { trust: window, now })).ok);
});

test("bundle.verify: a threshold needs that many distinct trusted signers (THRESHOLD_NOT_MET, then co-signed)", async (t) => {
  const b = await makeBundle(t);
  const second = newSigningKey();
  const trust = trustOf([b.key, second], 2);
  const r = await failure(verifyBundleDirectory(b.dir, { trust }));
  assert.equal(r.reason, BundleFailureReason.thresholdNotMet);
  await cosignBundleDirectory(b.dir, b.key); // signing twice with one key does not count twice
  assert.equal(
    (await failure(verifyBundleDirectory(b.dir, { trust }))).reason,
    BundleFailureReason.thresholdNotMet,
  );
  await cosignBundleDirectory(b.dir, second);
  const ok = await verifyBundleDirectory(b.dir, { trust });
  assert.ok(ok.ok);
  assert.deepEqual(ok.bundle.signerKeyIds, [b.key.keyId, second.keyId].sort());
});

test("bundle.verify: a lowered revision is ROLLBACK unless rollback is allowed", async (t) => {
  const b = await makeBundle(t, { build: { revision: 3 } });
  const trust = trustOf([b.key]);
  assert.equal(
    (await failure(verifyBundleDirectory(b.dir, { trust, highestAcceptedRevision: 4 }))).reason,
    BundleFailureReason.rollback,
  );
  assert.ok(
    (await verifyBundleDirectory(b.dir, { trust, highestAcceptedRevision: 4, allowRollback: true })).ok,
  );
  assert.ok(
    (await verifyBundleDirectory(b.dir, { trust, highestAcceptedRevision: 3 })).ok,
    "the same revision is not a rollback",
  );
});

test("bundle.verify: manifest paths with .. or absolute paths are PATH_ESCAPE even when validly signed", async (t) => {
  const b = await makeBundle(t);
  const trust = trustOf([b.key]);
  const manifest = JSON.parse(await readFile(join(b.dir, "bundle.manifest.json"), "utf8")) as BundleManifest;
  for (const evil of ["../../etc/passwd", "/etc/passwd", "data/../../x", "a\\..\\b"]) {
    const artifacts = [...manifest.artifacts, { path: evil, hash: manifest.artifacts[0]?.hash ?? "" }];
    // A correct bundle_hash and a valid signature, so that only the path is wrong.
    const signedManifest = {
      ...manifest,
      artifacts,
      bundle_hash: computeBundleHash({ ...manifest, artifacts }),
    };
    await writeFile(join(b.dir, "bundle.manifest.json"), canonicalize(signedManifest));
    await writeFile(
      join(b.dir, "bundle.sig"),
      JSON.stringify({
        signatures: [{ keyId: b.key.keyId, sig: signPayload(SigningDomain.bundle, signedManifest, b.key) }],
      }),
    );
    const r = await failure(verifyBundleDirectory(b.dir, { trust }));
    assert.deepEqual([r.reason, r.file], [BundleFailureReason.pathEscape, evil], evil);
  }
});

test("bundle.verify: a symlink out of the bundle is PATH_ESCAPE; Kubernetes' ..data links inside are fine", async (t) => {
  const b = await bundleWithReadme(t);
  const trust = trustOf([b.key]);
  // Mimic a ConfigMap volume: real files under ..2026_01_01/, ..data -> it, visible names -> ..data/<name>.
  const stamp = join(b.dir, "..2026_01_01");
  await mkdir(stamp);
  for (const name of ["policy.json", "README.txt", "bundle.manifest.json", "bundle.sig"]) {
    await rename(join(b.dir, name), join(stamp, name));
  }
  await symlink("..2026_01_01", join(b.dir, "..data"));
  for (const name of ["policy.json", "README.txt", "bundle.manifest.json", "bundle.sig"]) {
    await symlink(join("..data", name), join(b.dir, name));
  }
  assert.ok((await verifyBundleDirectory(b.dir, { trust })).ok, "a ConfigMap-style mount verifies");

  await rm(join(b.dir, "README.txt"));
  await writeFile(join(b.root, "outside.txt"), "notes\nabout the policy\n");
  await symlink(join(b.root, "outside.txt"), join(b.dir, "README.txt"));
  const r = await failure(verifyBundleDirectory(b.dir, { trust }));
  assert.deepEqual([r.reason, r.file], [BundleFailureReason.pathEscape, "README.txt"]);
});

test("bundle.verify: a missing manifest or signature fails closed", async (t) => {
  const b = await makeBundle(t);
  const trust = trustOf([b.key]);
  await rm(join(b.dir, "bundle.sig"));
  assert.equal(
    (await failure(verifyBundleDirectory(b.dir, { trust }))).reason,
    BundleFailureReason.signatureMissing,
  );
  await rm(join(b.dir, "bundle.manifest.json"));
  assert.equal(
    (await failure(verifyBundleDirectory(b.dir, { trust }))).reason,
    BundleFailureReason.manifestMissing,
  );
});

test("bundle.verify: the older bare base64 bundle.sig is still accepted", async (t) => {
  const b = await makeBundle(t);
  const { signatures } = JSON.parse(await readFile(join(b.dir, "bundle.sig"), "utf8")) as {
    signatures: { sig: string }[];
  };
  await writeFile(join(b.dir, "bundle.sig"), `${signatures[0]?.sig ?? ""}\n`);
  assert.ok((await verifyBundleDirectory(b.dir, { trust: trustOf([b.key]) })).ok);
  assert.equal(
    (await failure(verifyBundleDirectory(b.dir, { trust: trustOf([newSigningKey()]) }))).reason,
    BundleFailureReason.badSignature,
  );
});

test("bundle.verify: key rotation (add new key, re-sign, remove old key) keeps the bundle verifying throughout", async (t) => {
  const oldKey = newSigningKey();
  const newKey = newSigningKey();
  const b = await makeBundle(t, { key: oldKey });
  assert.ok((await verifyBundleDirectory(b.dir, { trust: trustOf([oldKey]) })).ok, "before");
  assert.ok(
    (await verifyBundleDirectory(b.dir, { trust: trustOf([oldKey, newKey]) })).ok,
    "new key added to trust",
  );
  await cosignBundleDirectory(b.dir, newKey);
  assert.ok((await verifyBundleDirectory(b.dir, { trust: trustOf([oldKey, newKey]) })).ok, "re-signed");
  assert.ok((await verifyBundleDirectory(b.dir, { trust: trustOf([newKey]) })).ok, "old key removed");
});

test("bundle.verify: a bundle whose policy does not compile is POLICY_INVALID even when signed", async (t) => {
  const b = await makeBundle(t);
  const path = join(b.dir, "policy.json");
  const policy = JSON.parse(await readFile(path, "utf8")) as Record<string, unknown>;
  await writeFile(path, JSON.stringify({ ...policy, rules: [] }));
  // Rebuild the manifest around the broken policy and sign it properly.
  const files = new Map([["policy.json", await readFile(path)]]);
  const manifest = buildManifest({
    policyId: "loan-approval",
    policyVersion: "1.2.0",
    revision: 1,
    issuedAt: new Date(),
    files,
    supportedSchemaVersions: ["1.0.0"],
  });
  await writeFile(join(b.dir, "bundle.manifest.json"), canonicalize(manifest));
  await writeFile(
    join(b.dir, "bundle.sig"),
    JSON.stringify({
      signatures: [{ keyId: b.key.keyId, sig: signPayload(SigningDomain.bundle, manifest, b.key) }],
    }),
  );
  const r = await failure(verifyBundleDirectory(b.dir, { trust: trustOf([b.key]) }));
  assert.equal(r.reason, BundleFailureReason.policyInvalid);
  assert.match(r.message, /POL-007/);
});
