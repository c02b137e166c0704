// The failover tests' hands on the replicated Redis of test/infra (redis-sentinel, redis-cluster): which node
// is the primary, SIGKILL it, start it again from its config file, and wait for the topology to heal; and a
// load of executes and replays whose every answer is kept by executionId.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";
import pg from "pg";
import type { RedisNodeProcess } from "./services.ts";
import { REPLAY_SIGNALS, executeBody } from "./server.ts";

const run = promisify(execFile);

async function admin<T>(port: number, work: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis({
    host: "127.0.0.1",
    port,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    connectTimeout: 1_000,
  });
  redis.on("error", () => undefined);
  try {
    await redis.connect();
    return await work(redis);
  } finally {
    redis.disconnect();
  }
}

export async function alive(port: number): Promise<boolean> {
  return admin(port, async (r) => {
    await r.ping();
    return true;
  }).catch(() => false);
}

/** Polls `check` every 100 ms until it holds; throws naming `what` after `timeoutMs`. */
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 30_000,
): Promise<number> {
  const started = Date.now();
  while (!(await check().catch(() => false))) {
    if (Date.now() - started > timeoutMs)
      throw new Error(`timed out after ${String(timeoutMs)} ms waiting for ${what}`);
    await sleep(100);
  }
  return Date.now() - started;
}

/** The port the sentinels name as the primary. */
export async function sentinelPrimary(
  sentinels: readonly RedisNodeProcess[],
  master: string,
): Promise<number> {
  for (const s of sentinels) {
    const addr = await admin(s.port, (r) => r.call("SENTINEL", "get-master-addr-by-name", master)).catch(
      () => null,
    );
    if (Array.isArray(addr) && addr.length === 2) return Number(addr[1]);
  }
  throw new Error("no sentinel names a primary");
}

/** Replicas the primary on `port` streams to (state=online: a replica still loading its sync is not counted). */
export async function connectedReplicas(port: number): Promise<number> {
  const info = await admin(port, (r) => r.info("replication"));
  return info.split("\n").filter((line) => /^slave\d+:.*state=online/.test(line)).length;
}

/** SIGKILLs the node: no shutdown, no chance to hand anything to a replica. */
export function kill9(node: RedisNodeProcess): void {
  process.kill(Number(readFileSync(join(node.dir, "redis.pid"), "utf8").trim()), "SIGKILL");
}

/** Starts a killed node again from its config file (sentinels or the cluster make it a replica). */
export async function restart(node: RedisNodeProcess): Promise<void> {
  await run("redis-server", [join(node.dir, "redis.conf")]);
  await waitFor(`redis on ${String(node.port)} to answer`, () => alive(node.port), 20_000);
}

/** Starts whichever of `nodes` is not answering (a test that failed half-way leaves none dead for the next). */
export async function restartDead(nodes: readonly RedisNodeProcess[]): Promise<void> {
  for (const node of nodes) if (!(await alive(node.port))) await restart(node);
}

/** The Sentinel topology whole again: a primary with both replicas connected. */
export async function sentinelHealed(sentinels: readonly RedisNodeProcess[], master: string): Promise<void> {
  await waitFor("the primary to have both replicas again", async () => {
    const primary = await sentinelPrimary(sentinels, master);
    return (await connectedReplicas(primary)) === 2;
  });
}

export interface ClusterNode {
  readonly port: number;
  readonly primary: boolean;
  readonly failed: boolean;
  /** The slot ranges it serves, [from, to] inclusive. */
  readonly slots: readonly (readonly [number, number])[];
}

/** Cluster nodes as `CLUSTER NODES` lists them. */
export async function clusterNodes(port: number): Promise<ClusterNode[]> {
  const text = String(await admin(port, (r) => r.call("CLUSTER", "NODES")));
  return text
    .trim()
    .split("\n")
    .map((line) => {
      const [, addr = "", flags = "", , , , , , ...slots] = line.split(" ");
      return {
        port: Number(/:(\d+)@/.exec(addr)?.[1]),
        primary: flags.includes("master"),
        failed: flags.includes("fail"),
        slots: slots
          .filter((r) => /^\d+(-\d+)?$/.test(r))
          .map((r) => {
            const [from = 0, to = from] = r.split("-").map(Number);
            return [from, to] as const;
          }),
      };
    });
}

/** A fresh executionId whose replay key lands in one of `slots` (asked of the cluster: CLUSTER KEYSLOT). */
export async function idInSlots(port: number, slots: ClusterNode["slots"], prefix: string): Promise<string> {
  return admin(port, async (r) => {
    for (let n = 0; n < 100_000; n++) {
      const id = `${prefix}-${String(n)}-${String(Date.now())}`;
      const slot = Number(await r.call("CLUSTER", "KEYSLOT", `parmana:replay:${id}`));
      if (slots.some(([from, to]) => slot >= from && slot <= to)) return id;
    }
    throw new Error("no id found for the slots");
  });
}

export async function clusterHealed(nodes: readonly RedisNodeProcess[]): Promise<void> {
  await waitFor(
    "the cluster to be ok with 3 primaries and 3 replicas",
    async () => {
      for (const node of nodes) {
        if (!(await alive(node.port))) return false;
        const info = String(await admin(node.port, (r) => r.call("CLUSTER", "INFO")));
        if (!info.includes("cluster_state:ok")) return false;
      }
      const listed = await clusterNodes(nodes[0]?.port ?? 0);
      return (
        listed.filter((n) => n.primary && !n.failed).length === 3 &&
        listed.filter((n) => !n.failed).length === 6
      );
    },
    60_000,
  );
}

export interface Answer {
  readonly id: string;
  readonly status: number;
  readonly at: number;
  readonly replay: boolean;
  /** A 200's attestation signature: every 200 for one id must carry the same one (one decision). */
  readonly signature?: string;
}

/**
 * `clients` loops until `stop` aborts: the first half execute fresh ids, the second half send ids the first
 * half used (answered or not) again — every other one as a retry (the same signals: answered with the
 * decision made, or 409 while in flight) and the rest as a replay (other signals: 422). Every answer is pushed
 * to `answers` as it arrives (a request that gets no HTTP answer counts as status 0).
 */
export async function executeLoad(
  url: string,
  key: string,
  clients: number,
  stop: AbortSignal,
  answers: Answer[],
): Promise<void> {
  const used: string[] = [];
  let sequence = 0;
  const prefix = `ha-${String(Date.now())}`;
  let sends = 0;
  const one = async (id: string, replay: boolean): Promise<void> => {
    let status: number;
    let signature: string | undefined;
    try {
      const response = await fetch(`${url}/execute`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
        body: JSON.stringify(executeBody(id, replay && sends++ % 2 === 1 ? REPLAY_SIGNALS : {})),
        signal: AbortSignal.timeout(10_000),
      });
      status = response.status;
      const text = await response.text();
      if (status === 200)
        signature = (JSON.parse(text) as { attestation: { signature: string } }).attestation.signature;
    } catch {
      status = 0;
    }
    answers.push({ id, status, at: Date.now(), replay, ...(signature !== undefined && { signature }) });
  };
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      const replaying = c >= clients / 2;
      while (!stop.aborted) {
        if (replaying) {
          const id = used[Math.floor(Math.random() * used.length)];
          if (id === undefined) await sleep(5);
          else await one(id, true);
        } else {
          const id = `${prefix}-${String(sequence++)}`;
          used.push(id);
          await one(id, false);
        }
      }
    }),
  );
}

/** When the first fresh id was decided after `after` (the service resumed), if it was. */
export function firstDecisionAfter(answers: readonly Answer[], after: number): number | undefined {
  return answers.find((a) => a.status === 200 && !a.replay && a.at > after)?.at;
}

export function countByStatus(answers: readonly Answer[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const a of answers) counts[String(a.status)] = (counts[String(a.status)] ?? 0) + 1;
  return counts;
}

/** executionIds answered with two different decisions (must be none; a retry gets the same one again). */
export function decidedTwice(answers: readonly Answer[]): string[] {
  const signatures = new Map<string, Set<string>>();
  for (const a of answers)
    if (a.status === 200) {
      const set = signatures.get(a.id) ?? new Set<string>();
      set.add(a.signature ?? "(none)");
      signatures.set(a.id, set);
    }
  return [...signatures].filter(([, s]) => s.size > 1).map(([id]) => id);
}

const ALLOWED = new Set([200, 409, 422, 503]);

/**
 * What a failover must never break: no executionId decided twice (two 200s with different attestations) or
 * written twice to the audit log,
 * every 200 audited, every answer a decision, a refused replay, in-flight or 503 (never a connection error or
 * a 500), and the election seen as 503s.
 */
export async function assertOnceOnly(answers: readonly Answer[], databaseUrl: string): Promise<void> {
  assert.deepEqual(decidedTwice(answers), [], "no executionId decided twice");
  assert.deepEqual(answers.filter((a) => !ALLOWED.has(a.status)).slice(0, 5), [], "only intended answers");
  assert.ok(
    answers.some((a) => a.status === 503),
    "the election was seen as 503",
  );
  // The load ran (the failover tests assert recovery themselves).
  assert.ok(answers.filter((a) => a.status === 200).length >= 20, "decisions were made under the load");
  const audit = new pg.Client({ connectionString: databaseUrl });
  audit.on("error", () => undefined);
  await audit.connect();
  try {
    await auditedOnce(audit, answers);
  } finally {
    await audit.end();
  }
}

async function auditedOnce(audit: pg.Client, answers: readonly Answer[]): Promise<void> {
  const twice = await audit.query(
    "select execution_id from audit_decisions group by execution_id having count(*) > 1",
  );
  assert.deepEqual(twice.rows, [], "at most one audit row per executionId");
  const logged = new Set(
    (await audit.query<{ execution_id: string }>("select execution_id from audit_decisions")).rows.map(
      (r) => r.execution_id,
    ),
  );
  const unlogged = [...new Set(answers.filter((a) => a.status === 200).map((a) => a.id))].filter(
    (id) => !logged.has(id),
  );
  assert.deepEqual(unlogged, [], "every 200 has its audit row");
}
