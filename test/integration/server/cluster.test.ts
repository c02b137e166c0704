// PARMANA_WORKERS=2: two processes serve the API. The guarantees hold across them (one success per
// executionId under a concurrent replay storm), the primary serves both workers' metrics together, restarts a
// worker that dies, and stops everything on SIGTERM.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { promisify } from "node:util";
import { eventually } from "../../support/kube.ts";
import { redisService } from "../../support/services.ts";
import {
  executeBody,
  freshDatabase,
  post,
  serverEnv,
  uniqueId,
  writeServerFiles,
} from "../../support/server.ts";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const run = promisify(execFile);

async function workerPids(primary: number): Promise<number[]> {
  const { stdout } = await run("pgrep", ["-P", String(primary)]).catch(() => ({ stdout: "" }));
  return stdout
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map(Number);
}

test("cluster: two workers keep one success per executionId, share metrics, and a dead worker is replaced", async (t) => {
  const files = await writeServerFiles(t);
  const env = serverEnv(files, await freshDatabase(t), redisService().url, {
    PARMANA_WORKERS: "2",
    PARMANA_RATE_LIMIT_EXECUTE: "100000",
    LOG_LEVEL: "info",
    NODE_ENV: "production",
  });
  const child = spawn(process.execPath, [join(root, "bin/parmana.js"), "server"], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  t.after(() => {
    child.kill("SIGKILL");
  });
  const { url, metrics } = await new Promise<{ url: string; metrics: string }>((resolve) => {
    createInterface({ input: child.stdout }).on("line", (line) => {
      try {
        const entry = JSON.parse(line) as { msg?: string; url?: string; metrics?: string };
        if (entry.msg === "parmana server listening" && entry.url && entry.metrics)
          resolve({ url: entry.url, metrics: entry.metrics });
      } catch {
        // not a log line
      }
    });
  });
  const pid = child.pid ?? 0;
  assert.equal((await workerPids(pid)).length, 2, "two workers");

  const key = files.keys.executor;
  const id = uniqueId("storm");
  const storm = await Promise.all(
    Array.from({ length: 100 }, () => post(`${url}/execute`, key, executeBody(id))),
  );
  // One decision across both workers: every 200 is that decision (the first, or a retry given it back).
  const signatures = new Set(
    storm
      .filter((r) => r.status === 200)
      .map((r) => String((r.body["attestation"] as Record<string, unknown>)["signature"])),
  );
  assert.equal(signatures.size, 1, "exactly one decision across both workers");
  assert.ok(
    storm.every((r) => [200, 409].includes(r.status)),
    "the rest were in flight",
  );
  const distinct = await Promise.all(
    Array.from({ length: 20 }, () => post(`${url}/execute`, key, executeBody(uniqueId()))),
  );
  assert.ok(distinct.every((r) => r.status === 200));

  const text = await (await fetch(metrics)).text();
  const total = [...text.matchAll(/^parmana_execute_requests_total\{[^}]*\} (\d+)/gm)].reduce(
    (n, m) => n + Number(m[1]),
    0,
  );
  assert.equal(
    total,
    120,
    `the primary's /metrics adds up both workers:\n${text
      .split("\n")
      .filter((l) => l.includes("execute_requests"))
      .join("\n")}`,
  );

  const [victim] = await workerPids(pid);
  assert.ok(victim);
  process.kill(victim, "SIGKILL");
  await eventually("a replacement worker", async () => {
    const pids = await workerPids(pid);
    return pids.length === 2 && !pids.includes(victim) ? true : undefined;
  });
  await eventually("requests served after the replacement", async () =>
    (await post(`${url}/execute`, key, executeBody(uniqueId()))).status === 200 ? true : undefined,
  );

  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  assert.equal(await exited, 0, "SIGTERM stops the primary and its workers cleanly");
  assert.deepEqual(await workerPids(pid), []);
});
