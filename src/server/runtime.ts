// The runtime's identity, stamped into every attestation: its version and a hash of the code it runs.
import { readFile, readdir } from "node:fs/promises";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { canonicalize, sha256Hex, sha256Tagged } from "../crypto/index.ts";
import { packageVersion } from "../version.ts";

export interface RuntimeIdentity {
  readonly runtimeVersion: string;
  readonly runtimeHash: string;
}

async function codeFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await codeFiles(path)));
    else if (/\.(js|ts|mjs)$/.test(entry.name) && !entry.name.endsWith(".d.ts")) out.push(path);
  }
  return out;
}

/** sha256 over the sorted (path, sha256(content)) list of the code this process runs (src/ or dist/). */
export async function runtimeIdentity(): Promise<RuntimeIdentity> {
  const root = fileURLToPath(new URL("..", import.meta.url));
  const files = (await codeFiles(root)).sort();
  const manifest = await Promise.all(
    files.map(async (f) => [relative(root, f), sha256Hex(await readFile(f))]),
  );
  return { runtimeVersion: packageVersion(), runtimeHash: sha256Tagged(canonicalize(manifest)) };
}
