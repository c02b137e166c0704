// Our checkpoints and Merkle proofs, checked by Go's own implementation (test/tools/tlogcheck over
// golang.org/x/mod/sumdb/note and .../tlog, built from the Go module proxy): a checkpoint signed as a C2SP
// signed note opens with note.Open under our verifier key, our leaf hashes are tlog.RecordHash, every inclusion
// proof passes tlog.CheckRecord and every consistency proof tlog.CheckTree — and tampered ones fail there too.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { promisify } from "node:util";
import {
  consistencyProof,
  formatCheckpoint,
  generateSigningKeyPair,
  inclusionProof,
  leafHash,
  noteVerifierKey,
  openNote,
  parseCheckpoint,
  parseNoteVerifierKey,
  parseSigningKey,
  signNote,
  treeHash,
} from "../../../src/crypto/index.ts";
import { goTool } from "../../support/go-tool.ts";

const run = promisify(execFile);

interface Checked {
  note: string;
  origin: string;
  size: number;
  inclusion: string[];
  consistency: string[];
}

async function tlogcheck(input: unknown): Promise<Checked> {
  const binary = await goTool("tlogcheck");
  const child = run(binary, [], { timeout: 60_000 });
  child.child.stdin?.end(JSON.stringify(input));
  return JSON.parse((await child).stdout) as Checked;
}

const b64 = (b: Uint8Array): string => Buffer.from(b).toString("base64");

test("tlog interop: Go's sumdb/note opens our signed checkpoint and sumdb/tlog accepts our proofs, and refuses tampered ones", async () => {
  const key = parseSigningKey(generateSigningKeyPair().privateKeyPem);
  const name = "parmana.test/decisions";
  const data = Array.from({ length: 37 }, (_, i) => randomBytes(1 + (i % 40)));
  const leaves = data.map((d) => leafHash(d));
  const root = treeHash(leaves);
  const text = formatCheckpoint({ origin: name, size: leaves.length, root, extensions: [] });
  const note = signNote(text, name, key);
  const vkey = noteVerifierKey(name, key.publicKey.key);
  assert.equal(openNote(note, parseNoteVerifierKey(vkey)), text, "opens here too");
  assert.deepEqual(parseCheckpoint(text).root, root);

  const olds = [1, 2, 3, 8, 16, 20, 36, 37];
  const checked = await tlogcheck({
    vkey,
    note,
    inclusion: leaves.map((leaf, index) => ({
      index,
      data: b64(data[index] as Buffer),
      leafHash: b64(leaf),
      proof: inclusionProof(leaves, index).map(b64),
    })),
    consistency: olds.map((oldSize) => ({
      oldSize,
      oldRoot: b64(treeHash(leaves.slice(0, oldSize))),
      proof: consistencyProof(leaves, oldSize).map(b64),
    })),
  });
  assert.equal(checked.note, "ok");
  assert.deepEqual([checked.origin, checked.size], [name, 37]);
  assert.deepEqual(
    checked.inclusion,
    leaves.map(() => "ok"),
    "every inclusion proof, by tlog.CheckRecord",
  );
  assert.deepEqual(
    checked.consistency,
    olds.map(() => "ok"),
    "every consistency proof, by tlog.CheckTree",
  );

  const flipped = (b: Uint8Array): string => {
    const c = Buffer.from(b);
    c[0] = (c[0] ?? 0) ^ 1;
    return b64(c);
  };
  const proof5 = inclusionProof(leaves, 5);
  const tampered = await tlogcheck({
    vkey,
    note,
    inclusion: [
      { index: 5, leafHash: flipped(leaves[5] as Buffer), proof: proof5.map(b64) },
      { index: 6, leafHash: b64(leaves[5] as Buffer), proof: proof5.map(b64) },
      {
        index: 5,
        leafHash: b64(leaves[5] as Buffer),
        proof: [flipped(proof5[0] as Buffer), ...proof5.slice(1).map(b64)],
      },
    ],
    consistency: [
      {
        oldSize: 20,
        oldRoot: flipped(treeHash(leaves.slice(0, 20))),
        proof: consistencyProof(leaves, 20).map(b64),
      },
    ],
  });
  assert.ok(
    tampered.inclusion.every((r) => r !== "ok"),
    `tampered inclusion refused: ${tampered.inclusion.join("; ")}`,
  );
  assert.ok(
    tampered.consistency.every((r) => r !== "ok"),
    "tampered consistency refused",
  );

  const forged = note.replace(`\n${String(leaves.length)}\n`, `\n${String(leaves.length + 1)}\n`);
  assert.notEqual((await tlogcheck({ vkey, note: forged })).note, "ok", "an edited checkpoint does not open");
  const stranger = noteVerifierKey(
    name,
    parseSigningKey(generateSigningKeyPair().privateKeyPem).publicKey.key,
  );
  assert.notEqual(
    (await tlogcheck({ vkey: stranger, note })).note,
    "ok",
    "another key's verifier refuses it",
  );
});
