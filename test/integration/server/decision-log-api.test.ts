// The server keeps the verifiable decision log as it decides (real Redis and Postgres): GET /audit/checkpoint
// serves a checkpoint signed with the server's key under its origin, GET /audit/decisions/{id}/proof an
// inclusion proof of a decision against it, GET /audit/consistency a proof that a later checkpoint extends an
// earlier one — each verified here with the offline verifiers only.
import { test } from "node:test";
import assert from "node:assert/strict";
import { decisionLeafHash, type Attestation } from "../../../src/attest/index.ts";
import {
  noteVerifierKey,
  openNote,
  parseCheckpoint,
  parseNoteVerifierKey,
  parsePublicKey,
  verifyConsistency,
  verifyInclusion,
} from "../../../src/crypto/index.ts";
import { eventually } from "../../support/kube.ts";
import { executeBody, get, post, startTestServer, uniqueId } from "../../support/server.ts";

const buf = (s: string): Buffer => Buffer.from(s, "base64");

test("decision log API: checkpoints signed by the server, inclusion proofs of its decisions, consistency between checkpoints", async (t) => {
  const s = await startTestServer(t, {
    env: { PARMANA_DECISION_LOG_INTERVAL_MS: "100", PARMANA_DECISION_LOG_ORIGIN: "parmana.test/api-log" },
  });
  const { executor, auditor } = s.files.keys;
  const verifier = parseNoteVerifierKey(
    noteVerifierKey("parmana.test/api-log", parsePublicKey(s.files.signingPublicKeyPem).key),
  );
  const decide = async (n: number): Promise<Attestation[]> => {
    const out: Attestation[] = [];
    for (let i = 0; i < n; i++) {
      const r = await post(`${s.url}/execute`, executor, executeBody(uniqueId("log")));
      assert.equal(r.status, 200);
      out.push(r.body["attestation"] as Attestation);
    }
    return out;
  };
  const checkpointOf = (size: number) =>
    eventually(`a checkpoint of ${String(size)}`, async () => {
      const r = await get(`${s.url}/audit/checkpoint`, auditor);
      const body = r.body as { size?: number; root?: string; note?: string };
      return r.status === 200 && body.size === size
        ? (body as { size: number; root: string; note: string })
        : undefined;
    });

  const first = await decide(5);
  const early = await checkpointOf(5);
  const opened = parseCheckpoint(openNote(early.note, verifier));
  assert.deepEqual(
    [opened.origin, opened.size, opened.root.toString("base64")],
    ["parmana.test/api-log", 5, early.root],
  );

  const later = [...first, ...(await decide(4))];
  const latest = await checkpointOf(9);
  for (const attestation of later) {
    const r = await get(`${s.url}/audit/decisions/${attestation.executionId}/proof`, auditor);
    assert.equal(r.status, 200);
    const p = r.body as {
      index: number;
      leafHash: string;
      treeSize: number;
      proof: string[];
      checkpoint: string;
    };
    assert.equal(
      p.leafHash,
      decisionLeafHash(attestation).toString("base64"),
      "the leaf is the attestation served",
    );
    const root = parseCheckpoint(openNote(p.checkpoint, verifier)).root;
    assert.ok(
      verifyInclusion(buf(p.leafHash), p.index, p.treeSize, p.proof.map(buf), root),
      attestation.executionId,
    );
  }
  const c = await get(`${s.url}/audit/consistency?from=5&to=9`, auditor);
  assert.equal(c.status, 200);
  const proof = (c.body as { proof: string[] }).proof.map(buf);
  assert.ok(verifyConsistency(5, 9, proof, buf(early.root), buf(latest.root)), "9 extends 5");

  assert.equal((await get(`${s.url}/audit/decisions/never-decided/proof`, auditor)).status, 404);
  assert.equal((await get(`${s.url}/audit/consistency?from=5&to=99`, auditor)).status, 400);
  assert.equal((await get(`${s.url}/audit/checkpoint`, executor)).status, 403, "audit:read only");
});
