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
  // First, so that when tracing is asked for the SDK instruments the modules the CLI loads next.
  await import("../dist/tracing/bootstrap.js");
  await import("../dist/cli/entry.js");
} catch (error) {
  if (
    error &&
    error.code === "ERR_MODULE_NOT_FOUND" &&
    /dist\/(cli\/entry|tracing\/bootstrap)\.js/.test(String(error.message))
  ) {
    process.stderr.write(
      "parmana is not built yet: run `npm run build` (npm install does it via prepare).\n",
    );
    process.exit(2);
  }
  throw error;
}
