import { test } from "node:test";
import assert from "node:assert/strict";
import { ExitCode, packageVersion, runCli } from "../../../src/cli/index.ts";

async function run(argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

test("cli: --version prints the package version and exits 0", async () => {
  const result = await run(["--version"]);
  assert.equal(result.code, ExitCode.ok);
  assert.deepEqual(result.out, [packageVersion()]);
  assert.match(packageVersion(), /^\d+\.\d+\.\d+/);
});

test("cli: an unknown command is a usage error (exit 2) that says what to run", async () => {
  const result = await run(["frobnicate"]);
  assert.equal(result.code, ExitCode.usage);
  assert.match(result.err.join("\n"), /unknown command 'frobnicate'/);
  assert.match(result.err.join("\n"), /parmana --help/);
});

test("cli: an unknown option or a missing argument is a usage error, not a crash", async () => {
  const unknown = await run(["verify", "bundle", "x", "--no-such-flag"]);
  assert.equal(unknown.code, ExitCode.usage);
  assert.match(unknown.err.join("\n"), /no-such-flag/);
  const missing = await run(["verify", "bundle", "x"]);
  assert.equal(missing.code, ExitCode.usage);
  assert.match(missing.err.join("\n"), /--trusted-keys DIR/);
  const noKey = await run(["policy", "build", "x"]);
  assert.equal(noKey.code, ExitCode.usage);
  assert.match(noKey.err.join("\n"), /--key FILE/);
});

test("cli: help for a command prints its usage", async () => {
  const result = await run(["help", "verify"]);
  assert.equal(result.code, ExitCode.ok);
  assert.match(result.out.join("\n"), /parmana verify bundle DIR --trusted-keys KEYDIR/);
});

test("cli: audit archive and migrate refuse incomplete or contradictory arguments before touching a database", async () => {
  const cases: [string[], RegExp][] = [
    [["audit", "archive", "--out", "d", "--key", "k"], /one of --before DATE .* or --older-than DAYS/],
    [["audit", "archive", "--before", "2026-01-01T00:00:00Z", "--older-than", "30"], /one of --before/],
    [["audit", "archive", "--older-than", "0", "--out", "d"], /at least 1/],
    [["audit", "archive", "--older-than", "ten", "--out", "d"], /whole number of days/],
    [["audit", "archive", "--before", "yesterday", "--out", "d"], /RFC 3339/],
    [["audit", "archive", "--older-than", "30"], /one of --out DIR .* or --out-root DIR/],
    [["audit", "archive", "--older-than", "30", "--out", "a", "--out-root", "b"], /one of --out DIR/],
    [["audit", "migrate"], /--database-url or set AUDIT_DATABASE_URL/],
  ];
  const saved = process.env["AUDIT_DATABASE_URL"];
  delete process.env["AUDIT_DATABASE_URL"];
  try {
    for (const [argv, message] of cases) {
      const result = await run(argv);
      assert.equal(result.code, ExitCode.usage, argv.join(" "));
      assert.match(result.err.join("\n"), message, argv.join(" "));
    }
  } finally {
    if (saved !== undefined) process.env["AUDIT_DATABASE_URL"] = saved;
  }
});
