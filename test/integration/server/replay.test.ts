// Each executionId decides once: under concurrency, and across processes that share Redis.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { eventually } from "../../support/kube.ts";
import {
  executeBody,
  freshDatabase,
  get,
  post,
  serverEnv,
  startTestServer,
  uniqueId,
  writeServerFiles,
} from "../../support/server.ts";
import { redisService } from "../../support/services.ts";
import type { SecuritySummaryRow } from "../../../src/client/index.ts";

const bin = fileURLToPath(new URL("../../../bin/parmana.js", import.meta.url));

/** `parmana server` as its own process; resolves to its URL once it listens. */
async function serverProcess(t: TestContext, env: Record<string, string>): Promise<string> {
  const child = spawn(process.execPath, [bin, "server"], {
    env: { ...process.env, ...env, LOG_LEVEL: "info" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  t.after(() => {
    child.kill("SIGTERM");
  });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const lines = createInterface({ input: child.stdout });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`parmana server did not start in 30 s: ${stderr}`));
    }, 30_000);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`parmana server exited with ${String(code)}: ${stderr}`));
    });
    lines.on("line", (line) => {
      const entry = JSON.parse(line) as { msg?: string; url?: string };
      if (entry.msg === "parmana server listening" && entry.url) {
        clearTimeout(timer);
        resolve(entry.url);
      }
    });
  });
}

function tally(statuses: number[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const s of statuses) counts[s] = (counts[s] ?? 0) + 1;
  return counts;
}

async function replayCount(url: string, key: string, from: string): Promise<number> {
  const rows = (await get(`${url}/audit/security?from=${from}`, key)).body as SecuritySummaryRow[];
  return Number(rows.find((r) => r.event_type === "replay_attempt")?.event_count ?? 0);
}

test("replay: 200 concurrent /execute calls with one executionId give exactly one 200; every other is a counted replay", async (t) => {
  const s = await startTestServer(t, { env: { PARMANA_RATE_LIMIT_EXECUTE: "1000" } });
  const from = new Date().toISOString();
  const id = uniqueId("race");
  const answers = await Promise.all(
    // Each with other signals: every loser is a replay (a retry of the winner's signals would get its answer).
    Array.from({ length: 200 }, (_, i) =>
      post(`${s.url}/execute`, s.files.keys.executor, executeBody(id, { amount: 1_000 + i })),
    ),
  );
  const statuses = tally(answers.map((a) => a.status));
  assert.equal(statuses[200], 1, JSON.stringify(statuses));
  assert.equal((statuses[422] ?? 0) + (statuses[409] ?? 0), 199, JSON.stringify(statuses));
  for (const a of answers.filter((x) => x.status !== 200))
    assert.ok(["INV-013", "REPLAY_IN_FLIGHT"].includes(String(a.body["code"])));
  await eventually("199 replay attempts to be counted", async () =>
    (await replayCount(s.url, s.files.keys.auditor, from)) === 199 ? true : undefined,
  );
  const decisions = await s.client("auditor").audit.decisions({ limit: 10 });
  assert.equal(decisions.decisions.filter((d) => d["executionId"] === id).length, 1, "exactly one audit row");
});

test("replay: two server processes sharing Redis still let each executionId decide exactly once", async (t) => {
  const files = await writeServerFiles(t);
  const databaseUrl = await freshDatabase(t);
  const env = serverEnv(files, databaseUrl, redisService().url, { PARMANA_RATE_LIMIT_EXECUTE: "1000" });
  const [a, b] = await Promise.all([serverProcess(t, env), serverProcess(t, env)]);
  assert.notEqual(a, b);
  const from = new Date().toISOString();
  const ids = Array.from({ length: 10 }, () => uniqueId("shared"));
  const answers = await Promise.all(
    ids.flatMap((id) =>
      Array.from({ length: 20 }, (_, i) =>
        post(
          `${i % 2 === 0 ? a : b}/execute`,
          files.keys.executor,
          executeBody(id, { amount: 1_000 + i }),
        ).then((r) => ({
          id,
          ...r,
        })),
      ),
    ),
  );
  for (const id of ids) {
    const mine = answers.filter((x) => x.id === id);
    assert.equal(
      mine.filter((x) => x.status === 200).length,
      1,
      `${id}: ${JSON.stringify(tally(mine.map((x) => x.status)))}`,
    );
    assert.equal(mine.filter((x) => x.status === 422 || x.status === 409).length, 19);
  }
  await eventually("190 replay attempts across both processes", async () => {
    const total = await replayCount(a, files.keys.auditor, from);
    return total === 190 ? true : undefined;
  });
});
