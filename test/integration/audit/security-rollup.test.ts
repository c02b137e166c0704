// GET /audit/security reads an hourly rollup plus the events at the edges of the range. Against real
// Postgres: for events spread over six hours and many ranges (open, on the hour, inside one hour, across
// hours) the summary equals an aggregation of the events themselves; and an edit of the rollup is found by
// `parmana audit verify-chain`.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { AuditStore, connectPostgres, migrate } from "../../../src/audit/index.ts";
import { buildSecurityEvent, type SecurityEventType } from "../../../src/events/index.ts";
import { freshDatabase } from "../../support/server.ts";

const bin = fileURLToPath(new URL("../../../bin/parmana.js", import.meta.url));
const run = promisify(execFile);
const T0 = Date.parse("2026-03-01T08:00:00.000Z");
const HOUR = 3_600_000;
const TYPES: SecurityEventType[] = ["replay_attempt", "unauthorized_access", "invalid_policy"];

test("audit: the /audit/security summary from the hourly rollup equals the events' own counts for any range", async (t) => {
  const url = await freshDatabase(t);
  const db = connectPostgres({ connectionString: url });
  t.after(() => db.close());
  await migrate(db);
  const store = new AuditStore(db);
  const source = { component: "server" as const, instance: "rollup-test" };
  // 600 events over six hours, in batches as the server writes them, some on the exact hour.
  for (let batch = 0; batch < 20; batch++) {
    const events = Array.from({ length: 30 }, (_, i) => {
      const n = batch * 30 + i;
      const at = n % 50 === 0 ? T0 + (n % 6) * HOUR : T0 + ((n * 7_919_000) % (6 * HOUR));
      return buildSecurityEvent(
        {
          type: TYPES[n % TYPES.length] as SecurityEventType,
          message: `event ${String(n)}`,
          occurredAt: new Date(at),
          occurrences: 1 + (n % 4),
        },
        source,
      );
    });
    await store.appendSecurityEvents(events);
  }

  const direct = async (from: string | null, to: string | null): Promise<string> => {
    const rows = await db.query<{ k: string }>(
      `select event_type || '/' || severity || '=' || sum(occurrences) || ' ' ||
              to_char(min(occurred_at) at time zone 'UTC', 'HH24:MI:SS.MS') || '-' ||
              to_char(max(occurred_at) at time zone 'UTC', 'HH24:MI:SS.MS') as k
       from audit_security_events
       where ($1::timestamptz is null or occurred_at >= $1) and ($2::timestamptz is null or occurred_at <= $2)
       group by event_type, severity order by 1`,
      [from, to],
    );
    return rows.map((r) => r.k).join("; ");
  };
  const summarised = async (from: string | null, to: string | null): Promise<string> => {
    const rows = await store.securitySummary({
      ...(from !== null && { from: new Date(from) }),
      ...(to !== null && { to: new Date(to) }),
      limit: 100,
    });
    return rows
      .map(
        (r) =>
          `${r.event_type}/${r.severity}=${r.event_count} ${r.first_occurrence.slice(11, 23)}-${r.last_occurrence.slice(11, 23)}`,
      )
      .sort()
      .join("; ");
  };

  const instant = fc.oneof(
    fc.integer({ min: -1, max: 7 }).map((h) => T0 + h * HOUR), // on the hour
    fc.integer({ min: -HOUR, max: 7 * HOUR }).map((ms) => T0 + ms),
  );
  const bound = fc.option(
    instant.map((ms) => new Date(ms).toISOString()),
    { nil: null },
  );
  await fc.assert(
    fc.asyncProperty(bound, bound, async (from, to) => {
      assert.equal(
        await summarised(from, to),
        await direct(from, to),
        `from ${String(from)} to ${String(to)}`,
      );
    }),
    { numRuns: 150 },
  );

  // The rollup is derived, not chained: an edit of it is found by verify-chain.
  const intact = await run(process.execPath, [bin, "audit", "verify-chain", "--database-url", url]).catch(
    (error: unknown) =>
      assert.fail(
        `verify-chain failed on an intact database: ${String((error as { stderr?: string }).stderr)}`,
      ),
  );
  assert.match(intact.stdout, /rollup matches/);
  await db.query("update audit_security_rollup set occurrences = occurrences - 1 where occurrences > 1");
  const edited = await run(process.execPath, [bin, "audit", "verify-chain", "--database-url", url]).then(
    () => assert.fail("verify-chain passed an edited rollup"),
    (error: unknown) => error as { code: number; stderr: string },
  );
  assert.equal(edited.code, 1);
  assert.match(
    edited.stderr,
    /ROLLUP differs: the hour 2026-03-01T0\d:00:00\.000Z of [a-z_]+\/\w+ counts \d+/,
  );
});

test("audit: listings page newest first by numeric id past row 9 (ids are text in the answer, never sorted as text)", async (t) => {
  const db = connectPostgres({ connectionString: await freshDatabase(t) });
  t.after(() => db.close());
  await migrate(db);
  const store = new AuditStore(db);
  const source = { component: "server" as const, instance: "paging-test" };
  await store.appendSecurityEvents(
    Array.from({ length: 25 }, (_, n) =>
      buildSecurityEvent({ type: "replay_attempt", message: `event ${String(n)}` }, source),
    ),
  );
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.securityEvents({ limit: 10, ...(cursor !== undefined && { cursor }) });
    ids.push(...page.items.map((e) => e.id));
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  assert.deepEqual(
    ids,
    Array.from({ length: 25 }, (_, i) => String(25 - i)),
  );
  assert.deepEqual(await store.verifyChain(), { checked: 25 });
});
