// The CLI as a user types it: the real `parmana` bin in a child process, from key generation to a tampered
// bundle failing verification.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { EXAMPLE_POLICY_DIR } from "../../support/bundles.ts";

const bin = fileURLToPath(new URL("../../../bin/parmana.js", import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function parmana(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : 99) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

async function workspace(t: TestContext): Promise<string> {
  assert.ok(
    existsSync(fileURLToPath(new URL("../../../dist/cli/entry.js", import.meta.url))),
    "the CLI is built (npm run build)",
  );
  const dir = await mkdtemp(join(tmpdir(), "parmana-cli-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test("cli round trip: keys generate → compile (broken, then fixed) → build → verify (plain and --json) → tamper → verify fails", async (t) => {
  const ws = await workspace(t);
  const keys = join(ws, "keys");
  const dir = join(ws, "policies", "loan-approval", "1.2.0");

  const generated = await parmana(["keys", "generate", "--out", keys]);
  assert.equal(generated.code, 0, generated.stderr);
  assert.match(generated.stdout, /key id: +ed25519:[0-9a-f]{16}/);
  assert.equal((await parmana(["keys", "generate", "--out", keys])).code, 2, "never overwrites a key");

  await mkdir(dir, { recursive: true });
  const good = await readFile(new URL("policy.json", EXAMPLE_POLICY_DIR), "utf8");
  const broken = JSON.parse(good) as Record<string, unknown>;
  broken["policyId"] = "loan-approvals";
  (broken["rules"] as unknown[])[0] = { condition: { signal: "fraud", equals: true } };
  await writeFile(join(dir, "policy.json"), JSON.stringify(broken, null, 2));
  const compileBroken = await parmana(["policy", "compile", dir]);
  assert.equal(compileBroken.code, 1);
  assert.match(compileBroken.stderr, /POL-008 at \$\.policyId/);
  assert.match(compileBroken.stderr, /POL-015 at \$\.rules\[0\]\.id/);
  assert.match(compileBroken.stderr, /fix: /);
  assert.equal(
    (await parmana(["policy", "build", dir, "--key", join(keys, "signer.key")])).code,
    1,
    "a broken policy is never signed",
  );

  await writeFile(join(dir, "policy.json"), good);
  const compiled = await parmana(["policy", "compile", dir]);
  assert.equal(compiled.code, 0, compiled.stderr);
  const built = await parmana(["policy", "build", dir, "--key", join(keys, "signer.key")]);
  assert.equal(built.code, 0, built.stderr);
  assert.match(built.stdout, /built loan-approval 1\.2\.0 revision 1/);

  const verified = await parmana(["verify", "bundle", dir, "--trusted-keys", keys]);
  assert.equal(verified.code, 0, verified.stderr);
  assert.match(verified.stdout, /^valid: loan-approval 1\.2\.0 revision 1/);
  const json = await parmana(["verify", "bundle", dir, "--trusted-keys", keys, "--json"]);
  assert.equal(json.code, 0);
  const report = JSON.parse(json.stdout) as { valid: boolean; revision: number; signerKeyIds: string[] };
  assert.deepEqual([report.valid, report.revision, report.signerKeyIds.length], [true, 1, 1]);

  await writeFile(join(dir, "policy.json"), good.replace('"less_than": 550', '"less_than": 450'));
  const tampered = await parmana(["verify", "bundle", dir, "--trusted-keys", keys, "--json"]);
  assert.equal(tampered.code, 1);
  assert.deepEqual(JSON.parse(tampered.stdout), {
    valid: false,
    reason: "HASH_MISMATCH",
    message: (JSON.parse(tampered.stdout) as { message: string }).message,
    file: "policy.json",
  });
  const plain = await parmana(["verify", "bundle", dir, "--trusted-keys", keys]);
  assert.equal(plain.code, 1);
  assert.match(plain.stderr, /INVALID \(HASH_MISMATCH\): policy\.json has changed/);

  // The next build of the policy gets the next revision.
  const rebuilt = await parmana(["policy", "build", dir, "--key", join(keys, "signer.key"), "--json"]);
  assert.equal((JSON.parse(rebuilt.stdout) as { revision: number }).revision, 2);
});

test("cli round trip: verify attestation accepts a valid file (exit 0), a tampered one (exit 1), garbage (exit 2)", async (t) => {
  const ws = await workspace(t);
  const vectors = JSON.parse(
    await readFile(new URL("../../vectors/parmana-v1.json", import.meta.url), "utf8"),
  ) as {
    key: { publicKeyPem: string };
    attestation: { attestation: Record<string, unknown> };
  };
  await mkdir(join(ws, "keys"));
  await writeFile(join(ws, "keys", "signer.pub"), vectors.key.publicKeyPem);
  await writeFile(
    join(ws, "a.json"),
    JSON.stringify({ status: "completed", attestation: vectors.attestation.attestation }),
  );
  const ok = await parmana(["verify", "attestation", join(ws, "a.json"), "--trusted-keys", join(ws, "keys")]);
  assert.equal(ok.code, 0, ok.stderr);
  await writeFile(
    join(ws, "b.json"),
    JSON.stringify({ ...vectors.attestation.attestation, executionId: "someone-else" }),
  );
  const bad = await parmana([
    "verify",
    "attestation",
    join(ws, "b.json"),
    "--trusted-keys",
    join(ws, "keys"),
    "--json",
  ]);
  assert.equal(bad.code, 1);
  assert.equal(
    (JSON.parse(bad.stdout) as { checks: { signature_verified: boolean } }).checks.signature_verified,
    false,
  );
  await writeFile(join(ws, "c.json"), "not json");
  assert.equal(
    (await parmana(["verify", "attestation", join(ws, "c.json"), "--trusted-keys", join(ws, "keys")])).code,
    2,
  );
});

test("cli: the examples in deploy/examples verify with the example key (they cannot go stale)", async (t) => {
  const ws = await workspace(t);
  // Verify a copy, so that a stray file in the checkout is reported as what it is.
  await cp(fileURLToPath(EXAMPLE_POLICY_DIR), join(ws, "bundle"), { recursive: true });
  const examples = fileURLToPath(new URL("../../../deploy/examples/keys", import.meta.url));
  const result = await parmana([
    "verify",
    "bundle",
    join(ws, "bundle"),
    "--trusted-keys",
    examples,
    "--json",
  ]);
  assert.equal(
    result.code,
    0,
    `${result.stdout}${result.stderr}\nrun scripts/build-examples.sh after changing an example policy`,
  );
});
