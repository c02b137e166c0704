// A private Redis or Postgres for one test, started by the project's own test/infra scripts on a free port,
// so that a test may stop and restart it without disturbing tests that share the common instances.
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestContext } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const infra = fileURLToPath(new URL("../infra/", import.meta.url));

/** A loopback port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) =>
    server.close(() => {
      resolve();
    }),
  );
  if (typeof address !== "object" || address === null) throw new Error("no free port");
  return address.port;
}

export interface PrivateService {
  /** A connection URL, or for Kafka the comma-separated brokers. */
  readonly url: string;
  /** Where the service keeps its state (the OTLP receiver's records.jsonl is under it). */
  readonly runDir: string;
  stop(): Promise<void>;
  /**
   * Kills it without a clean shutdown: SIGKILL for Redis; for Postgres SIGQUIT to the postmaster, its
   * "immediate" stop (no checkpoint; crash recovery on the next start), which is what a killed server leaves.
   */
  kill(): Promise<void>;
  start(): Promise<void>;
}

const PID_FILES: Partial<Record<keyof typeof PORT_VARIABLES, { file: string; signal: NodeJS.Signals }>> = {
  redis: { file: "redis/redis.pid", signal: "SIGKILL" },
  postgres: { file: "postgres/data/postmaster.pid", signal: "SIGQUIT" },
};

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function killService(runDir: string, name: keyof typeof PORT_VARIABLES): Promise<void> {
  const how = PID_FILES[name];
  if (!how) throw new Error(`kill() is not available for ${name}`);
  const pid = Number((await readFile(join(runDir, how.file), "utf8")).split("\n")[0]);
  process.kill(pid, how.signal);
  const deadline = Date.now() + 30_000;
  while (alive(pid)) {
    if (Date.now() > deadline)
      throw new Error(`${name} (pid ${String(pid)}) did not exit after ${how.signal}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const PORT_VARIABLES = {
  redis: ["PARMANA_TEST_REDIS_PORT"],
  postgres: ["PARMANA_TEST_PG_PORT"],
  kafka: ["PARMANA_TEST_KAFKA_PORT", "PARMANA_TEST_KAFKA_CONTROLLER_PORT"],
  otlp: ["PARMANA_TEST_OTLP_PORT"],
} as const;

export async function privateService(
  t: TestContext,
  name: keyof typeof PORT_VARIABLES,
): Promise<PrivateService> {
  const runDir = await mkdtemp(join(tmpdir(), `parmana-private-${name}-`));
  const env: Record<string, string | undefined> = { ...process.env, PARMANA_INFRA_RUN: runDir };
  for (const variable of PORT_VARIABLES[name]) env[variable] = String(await freePort());
  const script = async (command: "up" | "down", ...args: string[]): Promise<void> => {
    try {
      await run(join(infra, command), [...args, name], { env });
    } catch (error) {
      const e = error as { stderr?: string };
      throw new Error(`test/infra/${command} ${name} failed: ${e.stderr ?? String(error)}`, { cause: error });
    }
  };
  await script("up");
  t.after(async () => {
    await script("down", "--purge").catch(() => undefined);
    await rm(runDir, { recursive: true, force: true });
  });
  const described = JSON.parse(await readFile(join(runDir, `${name}.json`), "utf8")) as {
    url?: string;
    brokers?: string[];
  };
  const url = described.url ?? (described.brokers ?? []).join(",");
  return {
    url,
    runDir,
    stop: () => script("down"),
    kill: () => killService(runDir, name),
    start: () => script("up"),
  };
}
