// Signed notes and checkpoints are trust input: parsed strictly, opened only under the named key.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  CheckpointError,
  formatCheckpoint,
  generateSigningKeyPair,
  NoteError,
  noteVerifierKey,
  openNote,
  parseCheckpoint,
  parseNoteVerifierKey,
  parseSigningKey,
  signNote,
} from "../../../src/crypto/index.ts";

const key = parseSigningKey(generateSigningKeyPair().privateKeyPem);
const root = Buffer.alloc(32, 7);
const text = formatCheckpoint({ origin: "parmana.test/log", size: 5, root, extensions: ["ext one"] });

test("note: a signed checkpoint opens under its key only, and not once edited", () => {
  const note = signNote(text, "parmana.test/log", key);
  const verifier = parseNoteVerifierKey(noteVerifierKey("parmana.test/log", key.publicKey.key));
  assert.equal(openNote(note, verifier), text);
  assert.deepEqual(parseCheckpoint(openNote(note, verifier)), {
    origin: "parmana.test/log",
    size: 5,
    root,
    extensions: ["ext one"],
  });
  assert.throws(() => openNote(note.replace("\n5\n", "\n6\n"), verifier), /does not verify/);
  const other = parseNoteVerifierKey(
    noteVerifierKey(
      "parmana.test/log",
      parseSigningKey(generateSigningKeyPair().privateKeyPem).publicKey.key,
    ),
  );
  assert.throws(() => openNote(note, other), /no signature by/);
  assert.throws(() => openNote(text, verifier), NoteError);
  assert.throws(() => signNote("no newline", "n", key), /end with a newline/);
  assert.throws(() => signNote("a\n\nb\n", "n", key), /blank line/);
  assert.throws(() => signNote("bell\u0007\n", "n", key), /control characters/);
  assert.throws(() => signNote(text, "has space", key), /may not contain/);
});

test("note: verifier keys and checkpoints are parsed strictly", () => {
  const vkey = noteVerifierKey("n", key.publicKey.key);
  const [name, hash] = vkey.split("+");
  const k = vkey.slice(`${String(name)}+${String(hash)}+`.length);
  assert.equal(parseNoteVerifierKey(vkey).name, "n");
  assert.throws(() => parseNoteVerifierKey(`${String(name)}+00000000+${k}`), /does not match/);
  assert.throws(() => parseNoteVerifierKey(`${String(name)}+${String(hash)}`), NoteError);
  for (const bad of [
    "origin\n5\n",
    "origin\n05\n" + root.toString("base64") + "\n",
    "origin\n-1\n" + root.toString("base64") + "\n",
    "origin\n5\n" + Buffer.alloc(31).toString("base64") + "\n",
    "origin\n5\n" + root.toString("base64"),
    "origin\n5\n" + root.toString("base64") + "\n\n",
    " origin\n5\n" + root.toString("base64") + "\n",
  ])
    assert.throws(() => parseCheckpoint(bad), CheckpointError, JSON.stringify(bad));
});
