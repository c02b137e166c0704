// Shared by the benchmarks and the soak: child processes that report their URL on stdout, a throwaway
// Postgres database, and a stand-in for the node:test context the test helpers expect.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import type { TestContext } from "node:test";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { postgresService } from "../../test/support/services.ts";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));

export interface Harness {
  /** The test helpers take a node:test context; this one runs its cleanups when the harness closes. */
  readonly context: TestContext;
  /** Starts `node <args>` and resolves with what `ready` finds in a stdout line. */
  startChild<T>(
    args: string[],
    env: Record<string, string>,
    ready: (line: string) => T | undefined,
  ): Promise<{ child: ChildProcess; found: T }>;
  /** A fresh database on the test Postgres, dropped at close. */
  database(prefix: string): Promise<string>;
  close(): Promise<void>;
}

export function createHarness(): Harness {
  const children: ChildProcess[] = [];
  const cleanups: (() => Promise<void>)[] = [];
  const context = {
    after: (fn: () => unknown) =>
      cleanups.push(async () => {
        await fn();
      }),
  } as unknown as TestContext;

  const startChild: Harness["startChild"] = <T>(
    args: string[],
    env: Record<string, string>,
    ready: (line: string) => T | undefined,
  ) => {
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "inherit"],
    });
    children.push(child);
    return new Promise<{ child: ChildProcess; found: T }>((resolve, reject) => {
      child.once("exit", (code) => {
        reject(new Error(`${args.join(" ")} exited with ${String(code)}`));
      });
      createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", (line) => {
        const found = ready(line);
        if (found !== undefined) resolve({ child, found });
      });
    });
  };

  const database: Harness["database"] = async (prefix) => {
    const admin = new pg.Client({ connectionString: postgresService().url });
    await admin.connect();
    const name = `${prefix}_${randomBytes(4).toString("hex")}`;
    await admin.query(`create database ${name}`);
    cleanups.push(async () => {
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
    });
    const url = new URL(postgresService().url);
    url.pathname = `/${name}`;
    return url.toString();
  };

  const close = async (): Promise<void> => {
    for (const child of children) child.kill("SIGTERM");
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  };
  return { context, startChild, database, close };
}

/** The API and metrics URLs a `parmana server` child logs when it listens (LOG_LEVEL info, JSON lines). */
export function serverListening(line: string): { url: string; metrics: string } | undefined {
  try {
    const entry = JSON.parse(line) as { msg?: string; url?: string; metrics?: string };
    return entry.msg === "parmana server listening"
      ? { url: entry.url ?? "", metrics: entry.metrics ?? "" }
      : undefined;
  } catch {
    return undefined;
  }
}
