// Signed notes as C2SP specifies them (c2sp.org/signed-note, the format of Go's checksum database and of
// transparency-log checkpoints): a UTF-8 text ending in a newline, a blank line, then one line per signature,
// `— <key name> <base64(key id || signature)>`. For Ed25519 the key id is the first 4 bytes of
// SHA-256(name || "\n" || 0x01 || public key), and the verifier key is `<name>+<key id hex>+<base64(0x01 ||
// public key)>`. Verified by golang.org/x/mod/sumdb/note in the tests.
import { createHash, createPublicKey, sign, verify, type KeyObject } from "node:crypto";
import type { SigningKey } from "./keys.ts";

const ED25519 = 0x01;
const SIGNATURE_LINE = /^\u2014 (\S+) ([A-Za-z0-9+/]+={0,2})$/;
const KEY_NAME = /^[^\s+]+$/;

export class NoteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NoteError";
  }
}

/** The raw 32-byte Ed25519 public key. */
function rawPublicKey(key: KeyObject): Buffer {
  const jwk = key.export({ format: "jwk" });
  if (jwk.crv !== "Ed25519" || typeof jwk.x !== "string") throw new NoteError("a note key must be Ed25519");
  return Buffer.from(jwk.x, "base64url");
}

function keyHash(name: string, raw: Buffer): Buffer {
  return createHash("sha256")
    .update(name, "utf8")
    .update("\n")
    .update(Buffer.from([ED25519]))
    .update(raw)
    .digest()
    .subarray(0, 4);
}

function checkName(name: string): void {
  if (!KEY_NAME.test(name))
    throw new NoteError(`note key name ${JSON.stringify(name)} may not contain spaces or +`);
}

function checkText(text: string): void {
  if (!text.endsWith("\n")) throw new NoteError("a note's text must end with a newline");
  for (const ch of text) {
    const code = ch.charCodeAt(0);
    if ((code < 0x20 && ch !== "\n") || code === 0x7f)
      throw new NoteError("a note's text may not hold control characters");
  }
  if (text.includes("\n\n")) throw new NoteError("a note's text may not hold a blank line");
}

/** The verifier key other implementations are given: `<name>+<key id hex>+<base64(0x01 || key)>`. */
export function noteVerifierKey(name: string, publicKey: KeyObject): string {
  checkName(name);
  const raw = rawPublicKey(publicKey);
  return `${name}+${keyHash(name, raw).toString("hex")}+${Buffer.concat([Buffer.from([ED25519]), raw]).toString("base64")}`;
}

/** `text` signed by `key` under `name`: the text, a blank line, the signature line. */
export function signNote(text: string, name: string, key: SigningKey): string {
  checkName(name);
  checkText(text);
  const raw = rawPublicKey(key.publicKey.key);
  const signature = sign(null, Buffer.from(text, "utf8"), key.privateKey);
  const line = Buffer.concat([keyHash(name, raw), signature]).toString("base64");
  return `${text}\n\u2014 ${name} ${line}\n`;
}

export interface NoteVerifier {
  readonly name: string;
  readonly keyHash: Buffer;
  readonly key: KeyObject;
}

/** Parses a verifier key string (strictly: name, 8 hex digits, Ed25519 and a 32-byte key that hashes to it). */
export function parseNoteVerifierKey(vkey: string): NoteVerifier {
  // The key's base64 may hold "+": the name and the id end at the first two.
  const m = /^([^+]+)\+([^+]+)\+(.+)$/.exec(vkey);
  const [, name, hash, key] = m ?? [];
  if (name === undefined || hash === undefined || key === undefined)
    throw new NoteError("a verifier key is <name>+<key id>+<key>");
  checkName(name);
  const bytes = Buffer.from(key, "base64");
  if (
    !/^[0-9a-f]{8}$/.test(hash) ||
    bytes.length !== 33 ||
    bytes[0] !== ED25519 ||
    bytes.toString("base64") !== key
  )
    throw new NoteError("the verifier key is not an Ed25519 note key");
  const raw = bytes.subarray(1);
  if (keyHash(name, raw).toString("hex") !== hash)
    throw new NoteError("the verifier key's id does not match its key");
  const publicKey = createPublicKey({
    key: { kty: "OKP", crv: "Ed25519", x: raw.toString("base64url") },
    format: "jwk",
  });
  return { name, keyHash: Buffer.from(hash, "hex"), key: publicKey };
}

/**
 * The text of `note` when a signature by `verifier` on it is valid; signatures by other keys are ignored, as the
 * format allows (a checkpoint may be cosigned by witnesses). Throws NoteError otherwise.
 */
export function openNote(note: string, verifier: NoteVerifier): string {
  const split = note.lastIndexOf("\n\n");
  if (split < 0 || !note.endsWith("\n")) throw new NoteError("not a signed note");
  const text = note.slice(0, split + 1);
  checkText(text);
  const lines = note.slice(split + 2, -1).split("\n");
  for (const line of lines) {
    const m = SIGNATURE_LINE.exec(line);
    if (!m) throw new NoteError(`malformed signature line ${JSON.stringify(line)}`);
    if (m[1] !== verifier.name) continue;
    const bytes = Buffer.from(m[2] ?? "", "base64");
    if (bytes.length !== 4 + 64 || !bytes.subarray(0, 4).equals(verifier.keyHash)) continue;
    if (verify(null, Buffer.from(text, "utf8"), verifier.key, bytes.subarray(4))) return text;
    throw new NoteError(`the signature by ${verifier.name} does not verify`);
  }
  throw new NoteError(`the note carries no signature by ${verifier.name}`);
}
