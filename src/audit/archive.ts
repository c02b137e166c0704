// `parmana audit archive`: exports the whole partitions that end before a date (JSON Lines, gzip, a page at a
// time), writes a signed seal, then detaches and drops them — with the owner's DDL, not DELETEs. `verify-archive`
// checks an archive offline: the seal's signature, each file's hash and count, and the archived chain.
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { access, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { finished } from "node:stream/promises";
import { createGunzip, createGzip } from "node:zlib";
import type { PublicKey, SigningKey } from "../crypto/index.ts";
import {
  ARCHIVE_FORMAT,
  sealSigner,
  signSeal,
  verifyChainSegment,
  type ArchivedFile,
  type ArchivedPartition,
  type SignedSeal,
} from "./archive-seal.ts";
import { GENESIS_HASH } from "./chain.ts";
import { partitionsOf, PARTITIONED_TABLES } from "./partitions.ts";
import { EVENT_COLUMNS, type StoredEvent } from "./security-event-chain.ts";
import type { SqlClient } from "./sql.ts";

const PAGE = 10_000;
export const SEAL_FILE = "seal.json";

export class ArchiveError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ArchiveError";
  }
}

/** Writes `pages` of rows as gzip JSON Lines; returns the count and the hash of the uncompressed text. */
async function writeLines(
  path: string,
  pages: AsyncIterable<readonly unknown[]> | Iterable<readonly unknown[]>,
): Promise<{ rows: number; sha256: string }> {
  const gzip = createGzip();
  const out = gzip.pipe(createWriteStream(path, { mode: 0o600 }));
  const hash = createHash("sha256");
  let rows = 0;
  for await (const page of pages) {
    const text = page.map((r) => `${JSON.stringify(r)}\n`).join("");
    hash.update(text);
    rows += page.length;
    if (!gzip.write(text)) await new Promise((resolve) => gzip.once("drain", resolve));
  }
  gzip.end();
  await finished(out);
  return { rows, sha256: hash.digest("hex") };
}

/** Pages of `select` from `table` (aliased `t`) in numeric id order (the id is selected as text). */
async function* pagesOf(db: SqlClient, select: string, table: string): AsyncIterable<{ id: string }[]> {
  let after = "0";
  for (;;) {
    const rows = await db.query<{ id: string }>(
      `select ${select} from ${table} t where t.id > $1::bigint order by t.id limit ${String(PAGE)}`,
      [after],
    );
    if (rows.length === 0) return;
    yield rows;
    after = rows[rows.length - 1]?.id ?? after;
  }
}

interface Plan {
  readonly table: string;
  readonly partition: string;
  readonly from: Date;
  readonly to: Date;
}

async function plan(db: SqlClient, before: Date): Promise<Plan[]> {
  const out: Plan[] = [];
  for (const { table } of PARTITIONED_TABLES)
    for (const p of await partitionsOf(db, table))
      if (p.to.getTime() <= before.getTime()) out.push({ table, partition: p.name, from: p.from, to: p.to });
  return out;
}

/** The archived events must be the chain's beginning: no live event may have a smaller id. */
async function checkChainPrefix(db: SqlClient, archived: readonly Plan[]): Promise<void> {
  const events = archived.filter((p) => p.table === "audit_security_events").map((p) => p.partition);
  if (events.length === 0) return;
  const [row] = await db.query<{ archived: string | null; live: string | null }>(
    `select (select max(id)::text from audit_security_events where tableoid::regclass::text = any($1)) as archived,
            (select min(id)::text from audit_security_events where not (tableoid::regclass::text = any($1))) as live`,
    [events],
  );
  if (row?.archived && row.live && BigInt(row.live) < BigInt(row.archived))
    throw new ArchiveError(
      `security events before the date interleave with later ones by id (live id ${row.live} < archived ${row.archived}): choose an earlier --before`,
    );
}

async function chainEnds(db: SqlClient, archived: readonly Plan[]): Promise<SignedSeal["chain"]> {
  const events = archived.filter((p) => p.table === "audit_security_events").map((p) => p.partition);
  if (events.length === 0) return { firstPrevHash: null, lastId: null, lastRowHash: null };
  const [ends] = await db.query<{ first: string | null; last: string | null; last_id: string | null }>(
    `select (select prev_hash from audit_security_events where tableoid::regclass::text = any($1) order by id limit 1) as first,
            (select row_hash from audit_security_events where tableoid::regclass::text = any($1) order by id desc limit 1) as last,
            (select id::text from audit_security_events where tableoid::regclass::text = any($1) order by id desc limit 1) as last_id`,
    [events],
  );
  return {
    firstPrevHash: ends?.first ?? null,
    lastId: ends?.last_id ?? null,
    lastRowHash: ends?.last ?? null,
  };
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** Archives every partition that ends at or before `before` into `outDir`, then removes them. */
export async function archivePartitions(
  db: SqlClient,
  options: {
    readonly before: Date;
    readonly outDir: string;
    readonly signer: SigningKey;
    readonly now?: Date;
  },
): Promise<SignedSeal> {
  const archived = await plan(db, options.before);
  await checkChainPrefix(db, archived);
  await mkdir(options.outDir, { recursive: true });
  // A second archive into the same directory would replace the first one's seal: refused before anything.
  if (await exists(join(options.outDir, SEAL_FILE)))
    throw new ArchiveError(`${options.outDir} already holds an archive (${SEAL_FILE}); give a new directory`);
  const partitions: ArchivedPartition[] = [];
  for (const p of archived) {
    const select =
      p.table === "audit_security_events" ? EVENT_COLUMNS : "id::text as id, to_jsonb(t) - 'id' as row";
    const from = p.partition;
    const file = `${p.partition}.jsonl.gz`;
    const ids = await db.query<{ first: string | null; last: string | null }>(
      `select min(id)::text as first, max(id)::text as last from ${p.partition}`,
    );
    const written = await writeLines(join(options.outDir, file), pagesOf(db, select, from));
    partitions.push({
      table: p.table,
      partition: p.partition,
      from: p.from.toISOString(),
      to: p.to.toISOString(),
      file,
      ...written,
      firstId: ids[0]?.first ?? null,
      lastId: ids[0]?.last ?? null,
    });
  }
  const eventsEnd = archived
    .filter((p) => p.table === "audit_security_events")
    .reduce((end, p) => Math.max(end, p.to.getTime()), 0);
  const rollupRows = await db.query(
    `select to_char(bucket at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as bucket, event_type, severity,
            occurrences::text as occurrences from audit_security_rollup where bucket < $1 order by 1, 2, 3`,
    [new Date(eventsEnd)],
  );
  const rollup: ArchivedFile = {
    file: "rollup.jsonl.gz",
    ...(await writeLines(join(options.outDir, "rollup.jsonl.gz"), [rollupRows])),
  };
  const seal = signSeal(
    {
      format: ARCHIVE_FORMAT,
      createdAt: (options.now ?? new Date()).toISOString(),
      before: options.before.toISOString(),
      partitions,
      chain: await chainEnds(db, archived),
      rollup,
      signerKeyId: options.signer.keyId,
    },
    options.signer,
  );
  await writeFile(join(options.outDir, SEAL_FILE), `${JSON.stringify(seal, null, 2)}\n`, {
    mode: 0o600,
    flag: "wx",
  });
  // Only once the archive and its seal are on disk: detach and drop, and retire the archived rollup hours.
  await db.transaction(async (tx) => {
    for (const p of archived) {
      await tx.exec(`alter table ${p.table} detach partition ${p.partition}; drop table ${p.partition};`);
    }
    if (eventsEnd > 0)
      await tx.query("delete from audit_security_rollup where bucket < $1", [new Date(eventsEnd)]);
  });
  return seal;
}

async function readLines(path: string): Promise<{ lines: string[]; sha256: string }> {
  const hash = createHash("sha256");
  const lines: string[] = [];
  const rl = createInterface({
    input: createReadStream(path).pipe(createGunzip()),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  for await (const line of rl) {
    hash.update(`${line}\n`);
    lines.push(line);
  }
  return { lines, sha256: hash.digest("hex") };
}

export interface ArchiveCheck {
  readonly ok: boolean;
  readonly problems: readonly string[];
  readonly seal: SignedSeal | undefined;
}

async function checkFiles(dir: string, seal: SignedSeal, problems: string[]): Promise<StoredEvent[]> {
  const events: StoredEvent[] = [];
  for (const entry of [...seal.partitions, seal.rollup]) {
    let read;
    try {
      read = await readLines(join(dir, entry.file));
    } catch {
      problems.push(`${entry.file}: missing or not gzip`);
      continue;
    }
    if (read.lines.length !== entry.rows)
      problems.push(
        `${entry.file}: ${String(read.lines.length)} rows where the seal says ${String(entry.rows)} (rows were removed or added)`,
      );
    else if (read.sha256 !== entry.sha256)
      problems.push(`${entry.file}: its content differs from the sealed hash (a row was edited)`);
    if ("table" in entry && entry.table === "audit_security_events")
      events.push(...read.lines.map((l) => JSON.parse(l) as StoredEvent));
  }
  return events.sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
}

function checkChain(seal: SignedSeal, events: readonly StoredEvent[], problems: string[]): void {
  if (seal.chain.lastRowHash === null) return;
  const broken = verifyChainSegment(events, seal.chain.firstPrevHash ?? GENESIS_HASH);
  if (broken)
    problems.push(
      `security events: the chain breaks at row id ${broken.id} (event ${broken.eventId}): ${broken.reason === "row_hash" ? "its content was changed" : "a row before it was changed, removed or added"}`,
    );
  else if ((events.at(-1)?.row_hash ?? null) !== seal.chain.lastRowHash)
    problems.push(
      "security events: the archived chain does not end at the sealed row hash (rows were removed at its end)",
    );
}

/** Checks an archive offline against trusted keys; every problem is named (file, row id). */
export async function verifyArchive(dir: string, keys: readonly PublicKey[]): Promise<ArchiveCheck> {
  let seal: SignedSeal;
  try {
    seal = JSON.parse(await readFile(join(dir, SEAL_FILE), "utf8")) as SignedSeal;
  } catch {
    return { ok: false, problems: [`${SEAL_FILE}: missing or not JSON`], seal: undefined };
  }
  const problems: string[] = [];
  if ((seal.format as string) !== ARCHIVE_FORMAT) problems.push(`${SEAL_FILE}: not a ${ARCHIVE_FORMAT} seal`);
  if (!sealSigner(seal, keys))
    problems.push(`${SEAL_FILE}: the signature does not verify against a trusted key`);
  checkChain(seal, await checkFiles(dir, seal, problems), problems);
  return { ok: problems.length === 0, problems, seal };
}
