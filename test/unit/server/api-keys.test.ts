import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ApiKeyConfigError,
  ApiKeyRing,
  hasScope,
  loadApiKeyFile,
  parseApiKeys,
} from "../../../src/server/index.ts";
import { eventually } from "../../support/kube.ts";

const sha = (text: string): string => createHash("sha256").update(text).digest("hex");

test("server.api-keys: keys are matched by hash, plain keys are hashed at load, scopes are honoured", () => {
  const ring = new ApiKeyRing(
    parseApiKeys(`[{"id": "ops", "sha256": "sha256:${sha("k-ops-0123456789abcdef")}", "scopes": ["audit:read"]},
                   {"id": "svc", "key": "k-svc-0123456789abcdef", "scopes": ["execute", "verify"]},
                   {"id": "root", "key": "k-root-0123456789abcdef", "scopes": ["admin"]}]`),
  );
  const ops = ring.authenticate("k-ops-0123456789abcdef");
  assert.equal(ops?.id, "ops");
  assert.ok(hasScope(ops, "audit:read") && !hasScope(ops, "execute"));
  const svc = ring.authenticate("k-svc-0123456789abcdef");
  assert.ok(svc && hasScope(svc, "execute") && !hasScope(svc, "override"));
  const root = ring.authenticate("k-root-0123456789abcdef");
  assert.ok(root && hasScope(root, "override") && hasScope(root, "audit:read"), "admin implies every scope");
  assert.equal(ring.authenticate("k-svc-0123456789abcdeF"), undefined);
  assert.equal(ring.authenticate(""), undefined);
  assert.equal(ring.authenticate("x".repeat(10_000)), undefined);
});

test("server.api-keys: YAML works too, and bad files are refused with a message naming the entry", () => {
  assert.equal(parseApiKeys("keys:\n  - id: a\n    key: aaaaaaaaaaaaaaaa\n    scopes: [verify]\n").length, 1);
  const bad: [string, RegExp][] = [
    ["[{}]", /entry 0: "id"/],
    ['[{"id": "a", "scopes": ["verify"]}]', /give "sha256"/],
    ['[{"id": "a", "key": "short", "scopes": ["verify"]}]', /16–512/],
    ['[{"id": "a", "key": "aaaaaaaaaaaaaaaa", "scopes": ["root"]}]', /"scopes" must list/],
    [
      '[{"id": "a", "key": "aaaaaaaaaaaaaaaa", "scopes": ["verify"]}, {"id": "a", "key": "bbbbbbbbbbbbbbbb", "scopes": ["verify"]}]',
      /used twice/,
    ],
    ["{not yaml: [", /neither JSON nor YAML/],
    ['{"keys": 3}', /must hold a list/],
  ];
  for (const [text, message] of bad)
    assert.throws(
      () => parseApiKeys(text),
      (e: unknown) => e instanceof ApiKeyConfigError && message.test(e.message),
      text,
    );
});

test("server.api-keys: a changed file is reloaded without a restart; an invalid change keeps the old keys", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "parmana-keys-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, "keys.json");
  await writeFile(file, JSON.stringify([{ id: "old", key: "old-key-0123456789", scopes: ["verify"] }]));
  const outcomes: string[] = [];
  const { ring, watch } = await loadApiKeyFile(file, (o) => outcomes.push(o.ok ? "ok" : "error"), 50);
  t.after(() => {
    watch.stop();
  });
  assert.equal(ring.authenticate("old-key-0123456789")?.id, "old");
  await writeFile(file, JSON.stringify([{ id: "new", key: "new-key-0123456789", scopes: ["verify"] }]));
  await eventually(
    "the new key to be loaded",
    () => Promise.resolve(ring.authenticate("new-key-0123456789") ? true : undefined),
    5_000,
    20,
  );
  assert.equal(ring.authenticate("old-key-0123456789"), undefined, "the old key is gone");
  await writeFile(file, "[{ broken");
  await eventually(
    "the invalid change to be reported",
    () => Promise.resolve(outcomes.includes("error") ? true : undefined),
    5_000,
    20,
  );
  assert.equal(ring.authenticate("new-key-0123456789")?.id, "new", "an invalid file keeps the previous keys");
});
