// PARMANA_SIGNING_MODE=batched in-process: concurrent executes share signatures, each answer carries its own
// batch position and verifies alone — with the SDK's verifyAttestation, at /verify and with `parmana verify
// attestation` — and one edited field fails all three; a retry gets the batched original back unchanged.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { verifyAttestation, type Attestation } from "../../src/client/index.ts";
import { runCli } from "../../src/cli/index.ts";
import { build } from "../support/app.ts";
import { executeBody, uniqueId } from "../support/server.ts";

test("inprocess.batched: 40 concurrent executes are signed in batches; each attestation verifies alone everywhere, and an edit fails everywhere", async (t) => {
  const s = await build(t, undefined, {
    PARMANA_SIGNING_MODE: "batched",
    PARMANA_SIGNING_BATCH_WAIT_MS: "5",
  });
  const ids = Array.from({ length: 40 }, () => uniqueId("batched"));
  const answers = await Promise.all(
    ids.map((id) => s.call("POST", "/execute", s.keys.executor, executeBody(id))),
  );
  const attestations = answers.map((r) => {
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body["attestation"] as Attestation;
  });
  const signatures = new Set(attestations.map((a) => a.signature));
  assert.ok(signatures.size < attestations.length, `${String(signatures.size)} signatures for 40 decisions`);
  for (const a of attestations) assert.ok(a.batch && a.batch.treeSize > 1, JSON.stringify(a.batch));
  const health = await s.call("GET", "/health");
  assert.ok((health.body["capabilities"] as string[]).includes("attestation:batched"));

  const publicKey = s.context.signer.publicKey;
  const dir = await mkdtemp(join(tmpdir(), "parmana-batched-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, "signer.pub"), publicKey.pem);
  const cli = async (attestation: unknown): Promise<number> => {
    const file = join(dir, `${uniqueId("a")}.json`);
    await writeFile(file, JSON.stringify({ attestation }));
    return runCli(["verify", "attestation", file, "--trusted-keys", dir], {
      out: () => undefined,
      err: () => undefined,
    });
  };
  const edited = (a: Attestation): Attestation => ({ ...a, decision: { ...a.decision, action: "reject" } });
  for (const a of attestations.slice(0, 5)) {
    assert.ok(verifyAttestation(a, [publicKey]).valid);
    assert.equal((await s.call("POST", "/verify", s.keys.verifier, { attestation: a })).body["valid"], true);
    assert.equal(await cli(a), 0);
    assert.equal(verifyAttestation(edited(a), [publicKey]).valid, false);
    assert.equal(
      (await s.call("POST", "/verify", s.keys.verifier, { attestation: edited(a) })).body["valid"],
      false,
    );
    assert.equal(await cli(edited(a)), 1);
  }

  const retry = await s.call("POST", "/execute", s.keys.executor, executeBody(ids[0] as string));
  assert.equal(retry.status, 200);
  assert.equal(retry.headers["parmana-replayed"], "true");
  assert.deepEqual(retry.body["attestation"], attestations[0], "the batched original, position and all");
});
