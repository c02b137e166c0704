// bench/dashboard: how long the dashboard takes to show the Security tab with 100,000 security events in the
// audit table — a signed-in reload, from navigation to the table rendered — in Debian's Chromium.
// Run: npm run bench:dashboard (starts Postgres, Redis and the browser through test/infra first).
import type { TestContext } from "node:test";
import { cpus } from "node:os";
import pino from "pino";
import { chromium } from "playwright-core";
import { loadServerConfig, startServer } from "../../src/server/index.ts";
import { connectPostgres, migrate } from "../../src/audit/index.ts";
import { raiseIntoOutbox } from "../../test/support/outbox.ts";
import { chromiumExecutable, redisService } from "../../test/support/services.ts";
import { freshDatabase, serverEnv, writeServerFiles } from "../../test/support/server.ts";

const EVENTS = Number(process.env["BENCH_EVENTS"] ?? 100_000);
const RUNS = Number(process.env["BENCH_RUNS"] ?? 7);
const cleanups: (() => unknown)[] = [];
const t = { after: (fn: () => unknown) => cleanups.push(fn) } as unknown as TestContext;

try {
  const databaseUrl = await freshDatabase(t);
  const db = connectPostgres({ connectionString: databaseUrl });
  cleanups.push(() => db.close());
  await migrate(db);
  const started = performance.now();
  await raiseIntoOutbox(db, EVENTS);
  const raisedSeconds = (performance.now() - started) / 1000;
  const files = await writeServerFiles(t);
  const server = await startServer(loadServerConfig(serverEnv(files, databaseUrl, redisService().url)), {
    logger: pino({ level: "silent" }),
  });
  cleanups.push(() => server.close());
  const browser = await chromium.launch({ executablePath: chromiumExecutable(), args: ["--no-sandbox"] });
  cleanups.push(() => browser.close());
  const page = await browser.newPage();
  await page.goto(server.dashboardUrl ?? "");
  await page.getByLabel("API key with the audit:read scope").fill(files.keys["auditor"]);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.locator("#security-table tbody tr").first().waitFor();
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    await page.reload();
    await page.locator("#security-table tbody tr").first().waitFor();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  console.log(
    `Machine: ${String(cpus().length)} × ${cpus()[0]?.model ?? "?"}, Node ${process.version}; Postgres 15 and Chromium on this machine.\n`,
  );
  console.log(`${EVENTS.toLocaleString("en-US")} security events raised in ${raisedSeconds.toFixed(1)} s.\n`);
  console.log("| measurement | runs | p50 ms | max ms |");
  console.log("|---|---:|---:|---:|");
  console.log(
    `| signed-in reload → Security table rendered (${EVENTS.toLocaleString("en-US")} events) | ${String(RUNS)} | ${(times[Math.floor(RUNS / 2)] ?? 0).toFixed(0)} | ${(times.at(-1) ?? 0).toFixed(0)} |`,
  );
} finally {
  for (const fn of cleanups.reverse()) await fn();
}
