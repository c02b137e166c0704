// `parmana dev`, as the README's first command runs it: prints URL and key once ready, and serves the curl
// examples printed there.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { executeBody, get, post } from "../../support/server.ts";

const root = fileURLToPath(new URL("../../../", import.meta.url));

test("dev: npx parmana dev prints URL and API key with no warning, then answers the README's curl examples", async (t) => {
  const child = spawn("npx", ["parmana", "dev", "--port", "0"], {
    cwd: root,
    env: { ...process.env, METRICS_PORT: "0", DASHBOARD_PORT: "0", PARMANA_API_KEY: "" },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true, // its own process group, so that npx and the server it started both stop
  });
  t.after(() => {
    if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, "SIGTERM");
    child.stdout.destroy();
    child.stderr.destroy();
  });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const printed: Record<string, string> = {};
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`parmana dev printed no URL and key in 60 s; stderr: ${stderr}`));
    }, 60_000);
    child.once("exit", (code) => {
      reject(new Error(`parmana dev exited with ${String(code)}: ${stderr}`));
    });
    createInterface({ input: child.stdout }).on("line", (line) => {
      const match = /^(URL|API key): (.+)$/.exec(line);
      if (match?.[1] && match[2]) printed[match[1]] = match[2];
      if (printed["URL"] && printed["API key"]) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  const url = printed["URL"] ?? "";
  const key = printed["API key"] ?? "";
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.match(key, /^pk_dev_/);
  const executed = await post(`${url}/execute`, key, executeBody("loan-1"));
  assert.equal(executed.status, 200, JSON.stringify(executed.body));
  assert.equal(executed.body["status"], "completed");
  const retried = await post(`${url}/execute`, key, executeBody("loan-1"));
  assert.equal(retried.status, 200, "a retry gets the decision made");
  assert.equal(retried.headers.get("parmana-replayed"), "true");
  const replayed = await post(`${url}/execute`, key, executeBody("loan-1", { amount: 2_000 }));
  assert.equal(replayed.status, 422);
  const security = await get(`${url}/audit/security?limit=50`, key);
  assert.equal(security.status, 200);
  assert.ok(Array.isArray(security.body));
  // A first start says nothing alarming: no deprecation or other process warning (FSTDEP022 once did).
  assert.doesNotMatch(stderr, /Warning|FSTDEP|DEP\d{4}/, stderr);
});
