import { test } from "node:test";
import assert from "node:assert/strict";
import { ExitCode, packageVersion, runCli } from "../../../src/cli/index.ts";

function run(argv: string[]): { code: number; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  const code = runCli(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

test("cli: --version prints the package version and exits 0", () => {
  const result = run(["--version"]);
  assert.equal(result.code, ExitCode.ok);
  assert.deepEqual(result.out, [packageVersion()]);
  assert.match(packageVersion(), /^\d+\.\d+\.\d+/);
});

test("cli: an unknown command is a usage error (exit 2) that says what to run", () => {
  const result = run(["frobnicate"]);
  assert.equal(result.code, ExitCode.usage);
  assert.match(result.err.join("\n"), /unknown command 'frobnicate'/);
  assert.match(result.err.join("\n"), /parmana --help/);
});

test("cli: an unknown option is a usage error, not a crash", () => {
  const result = run(["--no-such-flag"]);
  assert.equal(result.code, ExitCode.usage);
  assert.match(result.err.join("\n"), /no-such-flag/);
});
