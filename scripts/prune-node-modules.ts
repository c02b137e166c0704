// Run by deploy/Dockerfile's build stage after `npm prune --omit=dev`: deletes what the runtime never loads from
// node_modules — source maps, TypeScript declarations and sources — which is over 40% of its size. Licence and
// readme files stay. Usage: node scripts/prune-node-modules.ts DIR
import { readdir, rm, stat } from "node:fs/promises";
import { join } from "node:path";

const UNUSED = [/\.map$/, /\.d\.[cm]?ts$/, /\.[cm]?ts$/];
const dir = process.argv[2];
if (!dir) {
  console.error("usage: node prune-node-modules.ts NODE_MODULES_DIR");
  process.exit(2);
}
let files = 0;
let bytes = 0;
for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || !UNUSED.some((pattern) => pattern.test(entry.name))) continue;
  const path = join(entry.parentPath, entry.name);
  bytes += (await stat(path)).size;
  files += 1;
  await rm(path);
}
console.log(`pruned ${String(files)} files, ${(bytes / 2 ** 20).toFixed(1)} MiB, from ${dir}`);
