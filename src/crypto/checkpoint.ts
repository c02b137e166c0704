// Transparency-log checkpoints as C2SP specifies them (c2sp.org/tlog-checkpoint): the body of a signed note,
// `<origin>\n<tree size>\n<base64 root hash>\n`, optionally followed by extension lines. Strict parsing: a
// checkpoint is trust input.
import { HASH_SIZE } from "./merkle.ts";

export interface Checkpoint {
  /** The log's unique name, e.g. `parmana.example/decisions/payments`. */
  readonly origin: string;
  readonly size: number;
  readonly root: Buffer;
  readonly extensions: readonly string[];
}

export class CheckpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CheckpointError";
  }
}

const ORIGIN = /^[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?$/;
const SIZE = /^(0|[1-9][0-9]{0,15})$/;

export function formatCheckpoint(c: Checkpoint): string {
  if (!ORIGIN.test(c.origin))
    throw new CheckpointError(`origin ${JSON.stringify(c.origin)} is not printable ASCII`);
  if (!Number.isSafeInteger(c.size) || c.size < 0)
    throw new CheckpointError(`size ${String(c.size)} is invalid`);
  if (c.root.length !== HASH_SIZE) throw new CheckpointError("a root hash is 32 bytes");
  const extensions = c.extensions.map((e) => {
    if (e === "" || e.includes("\n")) throw new CheckpointError("an extension is one non-empty line");
    return `${e}\n`;
  });
  return `${c.origin}\n${String(c.size)}\n${c.root.toString("base64")}\n${extensions.join("")}`;
}

export function parseCheckpoint(text: string): Checkpoint {
  if (!text.endsWith("\n")) throw new CheckpointError("a checkpoint ends with a newline");
  const [origin, size, root, ...extensions] = text.slice(0, -1).split("\n");
  if (origin === undefined || !ORIGIN.test(origin))
    throw new CheckpointError("the first line is not an origin");
  if (size === undefined || !SIZE.test(size) || !Number.isSafeInteger(Number(size)))
    throw new CheckpointError("the second line is not a tree size");
  const hash = Buffer.from(root ?? "", "base64");
  if (root === undefined || hash.length !== HASH_SIZE || hash.toString("base64") !== root)
    throw new CheckpointError("the third line is not a base64 SHA-256 root hash");
  if (extensions.some((e) => e === "")) throw new CheckpointError("a checkpoint has no blank lines");
  return { origin, size: Number(size), root: hash, extensions };
}
