import assert from "node:assert/strict";
import { test } from "node:test";
import { serverRoleGrants } from "../../../src/audit/index.ts";

test("server role: only plain role names are granted (no quoting games)", () => {
  for (const bad of ['x"; drop table audit_decisions; --', "Parmana", "1role", "", "a".repeat(64)])
    assert.throws(() => serverRoleGrants(bad), /not a plain role name/);
  assert.ok(serverRoleGrants("parmana_server").every((s) => s.includes('"parmana_server"')));
});

test("server role: no DELETE, TRUNCATE or whole-row UPDATE on any audit table", () => {
  for (const statement of serverRoleGrants("srv")) {
    const [, privileges = "", tables = ""] = /^grant (.+?) on (.+?) to /s.exec(statement) ?? [];
    const audit = tables.split(",").some((t) => /\b(audit_|consumed_executions)/.test(t.trim()));
    if (!audit) continue;
    assert.doesNotMatch(privileges, /delete|truncate|all/i, statement);
    if (/update/i.test(privileges))
      assert.ok(
        /update \(execution_state\)/.test(privileges) || tables.trim() === "audit_security_rollup",
        `only the override's column, or the derived rollup: ${statement}`,
      );
  }
});
