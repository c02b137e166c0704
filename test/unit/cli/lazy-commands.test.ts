// A command loads only its own code: `parmana server` starts a pod without loading the operator's Kubernetes
// client (0.7 s and 60 MB of it), and `--version` loads no command at all. Checked by resolving every import of
// a fresh process through a module hook.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const main = fileURLToPath(new URL("../../../src/cli/main.ts", import.meta.url));

/** The bare package specifiers a fresh process resolves while running `parmana ARGS`. */
async function packagesLoadedBy(...args: string[]): Promise<Set<string>> {
  const script = `
    import { registerHooks } from "node:module";
    const seen = new Set();
    registerHooks({ resolve(specifier, context, next) {
      if (![".", "/", "node:", "file:"].some((p) => specifier.startsWith(p))) seen.add(specifier);
      return next(specifier, context);
    } });
    const { runCli } = await import(${JSON.stringify(main)});
    await runCli(${JSON.stringify(args)}, { out: () => {}, err: () => {} });
    console.log(JSON.stringify([...seen]));`;
  const { stdout } = await run(process.execPath, ["--input-type=module", "-e", script]);
  return new Set(JSON.parse(stdout.trim().split("\n").pop() ?? "[]") as string[]);
}

test("cli: --version loads no command; `help server` loads the server, not the Kubernetes client", async () => {
  const version = await packagesLoadedBy("--version");
  assert.deepEqual([...version], [], "no package at all for --version");
  const server = await packagesLoadedBy("help", "server");
  assert.ok(server.has("fastify"), "the server's own dependencies are loaded");
  assert.ok(!server.has("@kubernetes/client-node"), "the operator's client is not");
  const operator = await packagesLoadedBy("help", "operator");
  assert.ok(operator.has("@kubernetes/client-node"), "the hook sees what a command loads");
});
