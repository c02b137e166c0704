// Retry-safe /execute against the real services (Redis, Postgres): a caller that gave up on its request — the
// connection dropped before the answer came — asks again with the same executionId and signals and gets the
// decision that was made, byte for byte, marked Parmana-Replayed; no second row, no replay_attempt. Other
// signals under the same id stay a replay (422 INV-013 and the event). The SDK retries this way on its own.
import { test } from "node:test";
import assert from "node:assert/strict";
import { connect } from "node:net";
import pg from "pg";
import { verifyAttestation, type Attestation } from "../../../src/attest/index.ts";
import { parsePublicKey } from "../../../src/crypto/index.ts";
import { eventually } from "../../support/kube.ts";
import { REPLAY_SIGNALS, executeBody, startTestServer, uniqueId } from "../../support/server.ts";

/**
 * Sends the request, never reads the answer, and hangs up once the server has decided — a client whose timeout
 * ran out while the server was finishing.
 */
async function sendAndHangUp(
  url: string,
  key: string,
  body: unknown,
  decided: () => Promise<boolean>,
): Promise<void> {
  const { hostname, port } = new URL(url);
  const payload = JSON.stringify(body);
  const socket = connect(Number(port), hostname);
  socket.on("error", () => undefined);
  socket.pause(); // the answer is never read
  await new Promise<void>((resolve) => socket.once("connect", resolve));
  socket.write(
    `POST /execute HTTP/1.1\r\nHost: ${hostname}\r\nAuthorization: Bearer ${key}\r\nContent-Type: application/json\r\nContent-Length: ${String(Buffer.byteLength(payload))}\r\n\r\n${payload}`,
  );
  await eventually("the server to decide the abandoned request", async () =>
    (await decided()) ? true : undefined,
  );
  socket.destroy();
}

async function raw(
  url: string,
  key: string,
  body: unknown,
): Promise<{ status: number; text: string; replayed: string | null }> {
  const r = await fetch(`${url}/execute`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: r.status, text: await r.text(), replayed: r.headers.get("parmana-replayed") };
}

test("retry: after a dropped connection the same request gets the original decision, byte-identical; other signals are a replay", async (t) => {
  const s = await startTestServer(t);
  const key = s.files.keys.executor;
  const id = uniqueId("timeout");
  const confirmed = async (): Promise<boolean> => (await s.server.context.replay.state(id)) === "CONFIRMED";
  await sendAndHangUp(s.url, key, executeBody(id), confirmed);
  // The server decided with no one left to answer; the caller asks again.
  const retry = await raw(s.url, key, executeBody(id));
  assert.equal(retry.status, 200, retry.text);
  assert.equal(retry.replayed, "true");
  const attestation = (JSON.parse(retry.text) as { attestation: Attestation }).attestation;
  assert.ok(verifyAttestation(attestation, [parsePublicKey(s.files.signingPublicKeyPem)]).valid);
  const again = await raw(s.url, key, executeBody(id));
  assert.equal(again.text, retry.text, "every retry gets the same bytes");

  const fresh = uniqueId("plain");
  const first = await raw(s.url, key, executeBody(fresh));
  assert.deepEqual([first.status, first.replayed], [200, null]);
  const second = await raw(s.url, key, executeBody(fresh));
  assert.deepEqual([second.status, second.replayed], [200, "true"]);
  assert.equal(second.text, first.text, "the retry's body is the first answer's, byte for byte");

  const other = await raw(s.url, key, executeBody(fresh, REPLAY_SIGNALS));
  assert.equal(other.status, 422);
  assert.equal((JSON.parse(other.text) as { code: string }).code, "INV-013");

  const db = new pg.Client({ connectionString: s.databaseUrl });
  await db.connect();
  const rows = await db.query<{ execution_id: string; signature: string }>(
    "select execution_id, attestation->>'signature' as signature from audit_decisions where execution_id = any($1)",
    [[id, fresh]],
  );
  await db.end();
  assert.equal(rows.rows.length, 2, "one row per executionId");
  assert.equal(rows.rows.find((r) => r.execution_id === id)?.signature, attestation.signature);

  await s.server.context.events.flush();
  const events = await s.client("auditor").audit.events({ type: "replay_attempt", limit: 50 });
  assert.deepEqual(
    events.events.map((e) => e["execution_id"]),
    [fresh],
    "only the other-signals request is a replay attempt",
  );
});

test("retry: the SDK's execute with retries sends the same request again and gets the decision made first", async (t) => {
  const s = await startTestServer(t);
  const client = s.client("executor");
  const id = uniqueId("sdk");
  await sendAndHangUp(
    s.url,
    s.files.keys.executor,
    executeBody(id),
    async () => (await s.server.context.replay.state(id)) === "CONFIRMED",
  );
  const request = executeBody(id) as unknown as Parameters<typeof client.executeOutcome>[0];
  const outcome = await client.executeOutcome(request, { retries: 10, retryDelayMs: 50 });
  assert.equal(outcome.replayed, true);
  assert.equal(outcome.attestation.executionId, id);
  const plain = await client.executeOutcome({ ...request, executionId: uniqueId("sdk") });
  assert.equal(plain.replayed, false);
});
