// Interoperability with the openssl CLI: our signatures verify there over the exact domain-separated message,
// and openssl's keys and signatures work here.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import {
  canonicalize,
  parsePublicKey,
  parseSigningKey,
  signingMessage,
  SigningDomain,
  verifyMessage,
} from "../../../src/crypto/index.ts";
import { signAttestation } from "../../../src/attest/index.ts";
import { makeBundle, newSigningKey } from "../../support/bundles.ts";
import { sampleAttestationInput } from "../../support/attestations.ts";

const run = promisify(execFile);

async function scratch(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "parmana-openssl-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function opensslVerifies(
  dir: string,
  publicPem: string,
  message: Buffer,
  signatureB64: string,
): Promise<boolean> {
  await writeFile(join(dir, "pub.pem"), publicPem);
  await writeFile(join(dir, "msg.bin"), message);
  await writeFile(join(dir, "sig.bin"), Buffer.from(signatureB64, "base64"));
  try {
    const { stdout } = await run("openssl", [
      "pkeyutl",
      "-verify",
      "-pubin",
      "-inkey",
      join(dir, "pub.pem"),
      "-rawin",
      "-in",
      join(dir, "msg.bin"),
      "-sigfile",
      join(dir, "sig.bin"),
    ]);
    return stdout.includes("Signature Verified Successfully");
  } catch {
    return false;
  }
}

test("openssl: a bundle signature made here verifies with openssl pkeyutl -verify -rawin", async (t) => {
  const b = await makeBundle(t);
  const manifest = JSON.parse(await readFile(join(b.dir, "bundle.manifest.json"), "utf8")) as object;
  const { signatures } = JSON.parse(await readFile(join(b.dir, "bundle.sig"), "utf8")) as {
    signatures: { sig: string }[];
  };
  const message = Buffer.from(`PARMANA_BUNDLE_V1\n${canonicalize(manifest)}`);
  const dir = await scratch(t);
  assert.ok(await opensslVerifies(dir, b.key.publicKey.pem, message, signatures[0]?.sig ?? ""));
  assert.ok(
    !(await opensslVerifies(
      dir,
      b.key.publicKey.pem,
      Buffer.from(`PARMANA_ATTESTATION_V1\n${canonicalize(manifest)}`),
      signatures[0]?.sig ?? "",
    )),
    "other domain fails in openssl too",
  );
});

test("openssl: an attestation signature made here verifies with openssl", async (t) => {
  const key = newSigningKey();
  const attestation = signAttestation(sampleAttestationInput({ issuedAt: new Date() }), key);
  const { signature, ...unsigned } = attestation;
  const dir = await scratch(t);
  assert.ok(
    await opensslVerifies(
      dir,
      key.publicKey.pem,
      signingMessage(SigningDomain.attestation, unsigned),
      signature,
    ),
  );
});

test("openssl: a key from openssl genpkey loads here with the same key id, and its signatures verify here", async (t) => {
  const dir = await scratch(t);
  await run("openssl", ["genpkey", "-algorithm", "ed25519", "-out", join(dir, "k.pem")]);
  await run("openssl", ["pkey", "-in", join(dir, "k.pem"), "-pubout", "-out", join(dir, "k.pub")]);
  const signing = parseSigningKey(await readFile(join(dir, "k.pem")));
  const publicKey = parsePublicKey(await readFile(join(dir, "k.pub")));
  assert.equal(signing.keyId, publicKey.keyId);

  const message = signingMessage(SigningDomain.bundle, { hello: "openssl" });
  await writeFile(join(dir, "msg.bin"), message);
  await run("openssl", [
    "pkeyutl",
    "-sign",
    "-inkey",
    join(dir, "k.pem"),
    "-rawin",
    "-in",
    join(dir, "msg.bin"),
    "-out",
    join(dir, "sig.bin"),
  ]);
  const signature = (await readFile(join(dir, "sig.bin"))).toString("base64");
  assert.ok(verifyMessage(message, signature, publicKey));
  assert.ok(!verifyMessage(Buffer.concat([message, Buffer.from(" ")]), signature, publicKey));
});
