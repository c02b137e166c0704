// Every documented `npm run` script works from a plain shell: one that runs a TypeScript file goes through
// scripts/node.sh, which puts Node 24 first on PATH even when the shell's own node is older.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const run = promisify(execFile);

test("npm-scripts: no script runs a .ts file on whatever node npm found", () => {
  const { scripts } = JSON.parse(readFileSync(`${root}package.json`, "utf8")) as {
    scripts: Record<string, string>;
  };
  const direct = Object.entries(scripts).filter(([, command]) =>
    /(^|[;&|]\s*)node\s+\S+\.ts\b/.test(command),
  );
  assert.deepEqual(direct, []);
  const viaWrapper = Object.entries(scripts).filter(([, command]) =>
    command.includes("bash scripts/node.sh "),
  );
  assert.ok(viaWrapper.length >= 8, "the bench and gen scripts use the wrapper");
});

test("npm-scripts: scripts/node.sh runs Node 24 from a shell whose PATH has only the machine's node", async () => {
  const { stdout } = await run("bash", ["scripts/node.sh", "-p", "process.versions.node"], {
    cwd: root,
    env: { HOME: process.env["HOME"] ?? "/root", PATH: "/usr/local/bin:/usr/bin:/bin" },
  });
  const [major = 0, minor = 0] = stdout.trim().split(".").map(Number);
  assert.ok(major > 22 || (major === 22 && minor >= 15), `node ${stdout.trim()}`);
});
