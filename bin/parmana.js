#!/usr/bin/env node
// Launcher for the `parmana` command. Plain JavaScript that any Node can parse, so that an old Node gets a
// clear message instead of a syntax error.
const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 22 || (major === 22 && minor < 15)) {
  process.stderr.write(
    `parmana needs Node.js 22.15 or newer (this is ${process.version}). ` +
      "In a checkout, `source scripts/lib/node.sh && parmana_use_node` installs Node 24 into a cache.\n",
  );
  process.exit(2);
}
try {
  await import("../dist/cli/entry.js");
} catch (error) {
  if (error && error.code === "ERR_MODULE_NOT_FOUND" && String(error.message).includes("dist/cli/entry.js")) {
    process.stderr.write(
      "parmana is not built yet: run `npm run build` (npm install does it via prepare).\n",
    );
    process.exit(2);
  }
  throw error;
}
