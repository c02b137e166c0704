// API fuzzing with Schemathesis against /openapi.json of a server with real Redis and Postgres: every
// operation, generated and boundary inputs, with a key that has every scope and with no key at all. No 5xx, and
// every response's status, content type and body conform to the document. Bounded budget (it runs in the
// README's test command); raise PARMANA_FUZZ_EXAMPLES for a longer run.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { tmpdir } from "node:os";
import { promisify } from "node:util";
import { schemathesisBinary } from "../../support/services.ts";
import { startTestServer } from "../../support/server.ts";

const run = promisify(execFile);
const EXAMPLES = process.env["PARMANA_FUZZ_EXAMPLES"] ?? "10";
const CHECKS =
  "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance";

/**
 * Schemathesis 4.32.5's coverage generator sometimes stops with its own internal error (a "Runtime Error",
 * e.g. "Inconsistent results" from a Hypothesis flakiness check inside the tool, before any request for that
 * case is sent; the server's answers are "Network Error" or FAILURES, never this). That says nothing about the API, so such a run is repeated with the next seed, twice at most; a
 * check failure (a FAILURES section) is never repeated.
 */
function toolFlake(output: string): boolean {
  return /Inconsistent results|Runtime Error/.test(output) && !/=+ FAILURES =+/.test(output);
}

async function fuzz(url: string, key: string | undefined, phases: string, attempt = 0): Promise<string> {
  const args = [
    "run",
    `${url}/openapi.json`,
    "--checks",
    CHECKS,
    "--max-examples",
    EXAMPLES,
    "--phases",
    phases,
    // One worker: with two threads, CPython 3.11 raced in Hypothesis's source introspection ("AST constructor
    // recursion depth mismatch", KeyError in its cache) and the tool's coverage generator failed.
    "--workers",
    "1",
    "--seed",
    String(20261127 + attempt),
    ...(key !== undefined ? ["--header", `Authorization: Bearer ${key}`] : []),
  ];
  try {
    // Its cache (.schemathesis/) goes to a temporary directory, not the checkout.
    const { stdout } = await run(schemathesisBinary(), args, {
      maxBuffer: 32 << 20,
      timeout: 240_000,
      cwd: tmpdir(),
    });
    return stdout;
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    const output = `${e.stdout ?? ""}${e.stderr ?? ""}`;
    if (attempt < 2 && toolFlake(output)) return fuzz(url, key, phases, attempt + 1);
    assert.fail(`schemathesis found failures:\n${output}`);
  }
}

test("fuzz: schemathesis finds no 5xx and no response outside the OpenAPI document, with and without a key", async (t) => {
  const limits = Object.fromEntries(
    ["EXECUTE", "VERIFY", "AUDIT", "HEALTH"].map((r) => [`PARMANA_RATE_LIMIT_${r}`, "1000000"]),
  );
  const s = await startTestServer(t, { env: limits });
  const withKey = await fuzz(s.url, s.files.keys.admin, "examples,coverage,fuzzing");
  assert.match(withKey, /Tested: 1[0-9]/, "every operation was exercised");
  assert.match(withKey, /No issues found|0 failures|passed/i);
  // Without a key every operation must answer a documented 401. (Schemathesis 4.32.5's coverage phase hits an
  // internal Python error on these 401-only operations, so this run generates by fuzzing only.)
  const withoutKey = await fuzz(s.url, undefined, "examples,fuzzing");
  assert.match(withoutKey, /Tested: 1[0-9]/);
  const health = await fetch(`${s.url}/health/live`);
  assert.equal(health.status, 200, "the server is still up");
});
