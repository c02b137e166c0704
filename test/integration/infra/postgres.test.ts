import { test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { connectPostgres } from "../../support/clients.ts";
import { postgresService, usingService } from "../../support/services.ts";

const postgres = postgresService();

test("postgres: the real server answers select version() as PostgreSQL 15", async () => {
  const client = await connectPostgres(postgres);
  try {
    const { rows } = await usingService(postgres, () =>
      client.query<{ version: string }>("select version()"),
    );
    assert.match(rows[0]?.version ?? "", /^PostgreSQL 15\./);
  } finally {
    await client.end();
  }
});

test("postgres: a rolled-back transaction leaves nothing behind", async () => {
  const client = await connectPostgres(postgres);
  const table = `infra_rollback_${randomUUID().replaceAll("-", "")}`;
  try {
    await usingService(postgres, async () => {
      await client.query(`create table ${table} (id int primary key)`);
      await client.query("begin");
      await client.query(`insert into ${table} (id) values (1), (2), (3)`);
      const inside = await client.query<{ n: string }>(`select count(*) as n from ${table}`);
      assert.equal(inside.rows[0]?.n, "3");
      await client.query("rollback");
      const after = await client.query<{ n: string }>(`select count(*) as n from ${table}`);
      assert.equal(after.rows[0]?.n, "0");
    });
  } finally {
    await client.query(`drop table if exists ${table}`).catch(() => undefined);
    await client.end();
  }
});
