// A bundle file corrupted on a running server's disk: the server notices (a watch, and a periodic re-check),
// refuses the bundle from then on (422 INVALID_POLICY, never a decision from it), raises one invalid_policy
// event naming the file, drops out of readiness when nothing verified is left, and serves it again once the
// signed bytes are back. Real Redis and Postgres.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { eventually } from "../../support/kube.ts";
import { executeBody, get, post, startTestServer, uniqueId } from "../../support/server.ts";

test("fault: a bundle corrupted on a running server's disk is refused with invalid_policy, and served again when restored", async (t) => {
  // A long re-check interval: the file watch must be what notices, within seconds.
  const s = await startTestServer(t, { env: { PARMANA_BUNDLE_RECHECK_SECONDS: "3600" } });
  const executor = s.files.keys.executor;
  const before = await post(`${s.url}/execute`, executor, executeBody(uniqueId()));
  assert.equal(before.status, 200);

  const file = join(s.files.policiesRoot, "loan-approval", "1.2.0", "policy.json");
  const signed = await readFile(file);
  const corrupted = Buffer.from(signed);
  const at = corrupted.indexOf("550"); // a threshold in the example policy: one digit changed
  assert.ok(at > 0, "the example policy has a threshold to corrupt");
  corrupted[at] = "1".charCodeAt(0);
  await writeFile(file, corrupted);

  const refused = await eventually("the corrupted bundle to be refused", async () => {
    const r = await post(`${s.url}/execute`, executor, executeBody(uniqueId()));
    return r.status === 422 ? r : undefined;
  });
  assert.equal(refused.body["code"], "INVALID_POLICY");
  assert.match(String(refused.body["error"]), /HASH_MISMATCH/);

  const policies = await get(`${s.url}/policies`, s.files.keys.verifier);
  assert.deepEqual(policies.body, [], "the corrupted bundle is no longer listed as active");
  const ready = await get(`${s.url}/health/ready`, undefined);
  assert.equal(ready.status, 503, "no verified bundle left: not ready");

  const events = await eventually("the reload's invalid_policy event", async () => {
    const page = await s.client("auditor").audit.events({ limit: 100 });
    const found = page.events.filter(
      (e) =>
        e["event_type"] === "invalid_policy" &&
        (e["details"] as Record<string, unknown>)["stage"] === "reload",
    );
    return found.length > 0 ? found : undefined;
  });
  assert.equal(events.length, 1, "one event for one corruption, however often the disk is re-checked");
  const [event] = events;
  const details = event?.["details"] as Record<string, unknown>;
  assert.equal(event?.["policy_version"], "1.2.0");
  assert.equal(details["reason"], "HASH_MISMATCH");
  assert.match(String(details["message"]), /policy\.json/, "the event names the file");
  // Decisions made before the server noticed came from the verified copy; none is made after.
  const decided = async (): Promise<Record<string, unknown>[]> =>
    (
      (await get(`${s.url}/audit/decisions?limit=100`, s.files.keys.auditor)).body as {
        decisions: Record<string, unknown>[];
      }
    ).decisions;
  const atRefusal = (await decided()).length;
  for (let i = 0; i < 3; i++)
    assert.equal((await post(`${s.url}/execute`, executor, executeBody(uniqueId()))).status, 422);
  const rows = await decided();
  assert.equal(rows.length, atRefusal, "no decision once the bundle is refused");

  await writeFile(file, signed);
  const again = await eventually("the restored bundle to be served", async () => {
    const r = await post(`${s.url}/execute`, executor, executeBody(uniqueId()));
    return r.status === 200 ? r : undefined;
  });
  assert.equal((again.body["attestation"] as Record<string, unknown>)["policyVersion"], "1.2.0");
  assert.equal((await get(`${s.url}/health/ready`, undefined)).status, 200);
});

test("fault: a manifest swapped in by rename (as a ConfigMap update does it) is refused when it no longer matches its signature", async (t) => {
  const s = await startTestServer(t, { env: { PARMANA_BUNDLE_RECHECK_SECONDS: "1" } });
  const manifest = join(s.files.policiesRoot, "loan-approval", "1.2.0", "bundle.manifest.json");
  const text = await readFile(manifest, "utf8");
  assert.match(text, /"revision":\d+/);
  // An edit through a new inode (rename over), as a ConfigMap update or an attacker's editor would do it.
  await writeFile(`${manifest}.tmp`, text.replace(/"revision":\s*\d+/, '"revision":999'));
  await rename(`${manifest}.tmp`, manifest);
  const refused = await eventually("the altered manifest to be refused", async () => {
    const r = await post(`${s.url}/execute`, s.files.keys.executor, executeBody(uniqueId()));
    return r.status === 422 ? r : undefined;
  });
  assert.equal(refused.body["code"], "INVALID_POLICY");
});
