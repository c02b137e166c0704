// The filesystem edge of bundles: read a bundle directory into memory safely, write manifests and signatures,
// and load a trust directory. Everything else in this folder is pure.
import { lstat, readFile, readdir, realpath, stat, writeFile, rename } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { canonicalize } from "../crypto/index.ts";
import { MANIFEST_FILE, SIGNATURE_FILE, type BundleManifest } from "./manifest.ts";
import { serializeSignatureFile, type BundleSignature } from "./signature.ts";
import { trustSetFromFiles } from "./trust-files.ts";
import type { TrustSet } from "./trust.ts";
import {
  BundleFailureReason,
  verifyBundleFiles,
  type BundleVerification,
  type VerifyBundleOptions,
} from "./verify.ts";

export interface BundleReadLimits {
  readonly maxFiles: number;
  readonly maxTotalBytes: number;
  readonly maxDepth: number;
}

export const DEFAULT_BUNDLE_LIMITS: BundleReadLimits = {
  maxFiles: 1000,
  maxTotalBytes: 16 * 1024 * 1024,
  maxDepth: 8,
};

/** The directory cannot be read as a bundle at all (missing, not a directory, too large). */
export class BundleReadError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "BundleReadError";
  }
}

/** A path in the directory that leaves it (a symlink out, or something that is not a file). */
export class BundlePathEscape extends Error {
  readonly path: string;

  constructor(path: string, message: string) {
    super(message);
    this.name = "BundlePathEscape";
    this.path = path;
  }
}

interface Walk {
  readonly root: string;
  readonly limits: BundleReadLimits;
  readonly files: Map<string, Buffer>;
  total: number;
}

function inside(root: string, target: string): boolean {
  return target === root || target.startsWith(root + sep);
}

async function addFile(walk: Walk, rel: string, target: string): Promise<void> {
  const info = await stat(target);
  if (!info.isFile()) throw new BundlePathEscape(rel, `${rel} is not a regular file`);
  walk.total += info.size;
  if (walk.files.size >= walk.limits.maxFiles)
    throw new BundleReadError(`the bundle has more than ${String(walk.limits.maxFiles)} files`);
  if (walk.total > walk.limits.maxTotalBytes)
    throw new BundleReadError(`the bundle is larger than ${String(walk.limits.maxTotalBytes)} bytes`);
  walk.files.set(rel, await readFile(target));
}

async function walkDirectory(walk: Walk, dir: string, depth: number): Promise<void> {
  if (depth > walk.limits.maxDepth)
    throw new BundleReadError(`the bundle nests deeper than ${String(walk.limits.maxDepth)} directories`);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    // Kubernetes mounts a ConfigMap through `..data`/`..<timestamp>` entries; the visible names link into them.
    if (entry.name.startsWith("..")) continue;
    const full = join(dir, entry.name);
    const rel = relative(walk.root, full).split(sep).join("/");
    const info = await lstat(full);
    if (info.isSymbolicLink()) {
      const target = await realpath(full).catch(() => {
        throw new BundlePathEscape(rel, `${rel} is a dangling symlink`);
      });
      if (!inside(walk.root, target))
        throw new BundlePathEscape(rel, `${rel} is a symlink that points outside the bundle`);
      await addFile(walk, rel, target);
    } else if (info.isDirectory()) {
      await walkDirectory(walk, full, depth + 1);
    } else {
      await addFile(walk, rel, full);
    }
  }
}

/** Reads every file of a bundle directory into memory, by `/`-separated relative path. */
export async function readBundleDirectory(
  dir: string,
  limits: BundleReadLimits = DEFAULT_BUNDLE_LIMITS,
): Promise<Map<string, Buffer>> {
  let root: string;
  try {
    root = await realpath(dir);
    if (!(await stat(root)).isDirectory()) throw new Error("not a directory");
  } catch (error) {
    throw new BundleReadError(`${dir} is not a readable directory`, { cause: error });
  }
  const walk: Walk = { root, limits, files: new Map(), total: 0 };
  await walkDirectory(walk, root, 0);
  return walk.files;
}

/** Reads and verifies a bundle directory. A path escape is a verification failure (PATH_ESCAPE). */
export async function verifyBundleDirectory(
  dir: string,
  options: VerifyBundleOptions,
): Promise<BundleVerification> {
  let files: Map<string, Buffer>;
  try {
    files = await readBundleDirectory(dir);
  } catch (error) {
    if (error instanceof BundlePathEscape) {
      return { ok: false, reason: BundleFailureReason.pathEscape, message: error.message, file: error.path };
    }
    throw error;
  }
  return verifyBundleFiles(files, options);
}

async function writeAtomically(path: string, content: string): Promise<void> {
  const temporary = `${path}.tmp-${String(process.pid)}`;
  await writeFile(temporary, content, { mode: 0o644 });
  await rename(temporary, path);
}

export async function writeManifest(dir: string, manifest: BundleManifest): Promise<void> {
  await writeAtomically(join(dir, MANIFEST_FILE), canonicalize(manifest));
}

export async function writeSignatures(dir: string, signatures: readonly BundleSignature[]): Promise<void> {
  await writeAtomically(join(dir, SIGNATURE_FILE), serializeSignatureFile(signatures));
}

/** Loads a trust set from a directory: its `*.pub` files and optional trust.json. */
export async function loadTrustDirectory(dir: string, threshold?: number): Promise<TrustSet> {
  const files = new Map<string, Buffer>();
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    throw new BundleReadError(`trusted keys directory ${dir} is not readable`, { cause: error });
  }
  for (const name of names) {
    if (name.endsWith(".pub") || name === "trust.json") files.set(name, await readFile(join(dir, name)));
  }
  return trustSetFromFiles(files, threshold);
}
