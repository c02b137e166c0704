import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { ConfigError, loadServerConfig, missingForProduction } from "../../../src/server/index.ts";

test("server.config: defaults follow the spec, and a bad value names its variable", () => {
  const config = loadServerConfig({});
  assert.deepEqual(
    [config.port, config.dashboardPort, config.metricsPort, config.auditRequired],
    [3000, 8081, 9464, true],
  );
  assert.deepEqual(
    [config.rateLimits.execute, config.rateLimits.verify, config.rateLimits.audit, config.rateLimits.health],
    [100, 200, 60, 300],
  );
  const bad: [Record<string, string>, RegExp][] = [
    [{ PORT: "70000" }, /^PORT=/],
    [{ PARMANA_RATE_LIMIT_EXECUTE: "lots" }, /^PARMANA_RATE_LIMIT_EXECUTE=/],
    [{ REDIS_URL: "http://x" }, /^REDIS_URL must use redis:, rediss:, redis\+sentinel:/],
    [{ REDIS_URL: "redis+sentinel://h:1" }, /^REDIS_URL of a sentinel must end with \/MASTER_NAME/],
    [
      { REDIS_URL: "redis://h:1", REDIS_TLS_CA_FILE: "ca.pem" },
      /^REDIS_TLS_CA_FILE is set but REDIS_URL does not use TLS/,
    ],
    [{ REDIS_URL: "redis://h:1", REDIS_SENTINEL_PASSWORD: "x" }, /^REDIS_SENTINEL_PASSWORD is set but/],
    [
      { REDIS_URL: "redis+cluster://h:1", PARMANA_REPLAY_MIN_REPLICAS: "-1" },
      /^PARMANA_REPLAY_MIN_REPLICAS=/,
    ],
    [{ AUDIT_DATABASE_URL: "not a url" }, /^AUDIT_DATABASE_URL is not a URL/],
    [{ PARMANA_AUDIT_REQUIRED: "maybe" }, /^PARMANA_AUDIT_REQUIRED=/],
    [{ LOG_LEVEL: "loud" }, /^LOG_LEVEL=/],
  ];
  for (const [env, message] of bad)
    assert.throws(
      () => loadServerConfig(env),
      (e: unknown) => e instanceof ConfigError && message.test(e.message),
    );
});

test("server.config: replicas a transition needs, by topology (none for one server, one for Sentinel and Cluster)", () => {
  const settings = (
    env: Record<string, string>,
  ): [string | undefined, number | undefined, number | undefined] => {
    const { redis } = loadServerConfig(env);
    return [redis?.target.kind, redis?.minReplicas, redis?.waitMs];
  };
  assert.deepEqual(settings({ REDIS_URL: "redis://h:1" }), ["single", 0, 100]);
  assert.deepEqual(settings({ REDIS_URL: "redis+sentinel://h:1,h:2/m" }), ["sentinel", 1, 100]);
  assert.deepEqual(settings({ REDIS_URL: "redis+cluster://h:1,h:2" }), ["cluster", 1, 100]);
  assert.deepEqual(
    settings({
      REDIS_URL: "redis+sentinel://h:1/m",
      PARMANA_REPLAY_MIN_REPLICAS: "2",
      PARMANA_REPLAY_WAIT_MS: "250",
    }),
    ["sentinel", 2, 250],
  );
  assert.equal(loadServerConfig({}).redis, undefined);
});

test("server.config: production needs Redis, keys, a signing key, bundles, trust and (when required) audit", () => {
  assert.equal(missingForProduction(loadServerConfig({})).length, 6);
  assert.deepEqual(
    missingForProduction(
      loadServerConfig({
        REDIS_URL: "redis://127.0.0.1:1",
        PARMANA_API_KEYS_FILE: "k",
        PARMANA_SIGNING_PRIVATE_KEY_PATH: "s",
        PARMANA_POLICIES_ROOT: "p",
        PARMANA_TRUSTED_KEYS_DIR: "t",
        PARMANA_AUDIT_REQUIRED: "false",
      }),
    ),
    [],
  );
});

test("server.config: `parmana server` with nothing configured refuses to start and names what is missing", async () => {
  const bin = fileURLToPath(new URL("../../../bin/parmana.js", import.meta.url));
  const { code, stderr } = await new Promise<{ code: number; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      [bin, "server"],
      { env: { PATH: process.env["PATH"] ?? "" } },
      (error, _stdout, err) => {
        resolve({ code: error ? Number(error.code) : 0, stderr: err });
      },
    );
  });
  assert.equal(code, 2);
  for (const name of [
    "REDIS_URL",
    "PARMANA_API_KEYS_FILE",
    "PARMANA_SIGNING_PRIVATE_KEY_PATH",
    "PARMANA_POLICIES_ROOT",
    "AUDIT_DATABASE_URL",
  ]) {
    assert.match(stderr, new RegExp(name));
  }
});

test("server.config: the replay window defaults to an hour over the audit authority, and needs it", () => {
  assert.equal(loadServerConfig({}).replayRetentionMs, 3_600_000);
  assert.equal(loadServerConfig({ PARMANA_REPLAY_RETENTION_SECONDS: "600" }).replayRetentionMs, 600_000);
  assert.equal(
    loadServerConfig({ PARMANA_REPLAY_RETENTION_SECONDS: "0" }).replayRetentionMs,
    undefined,
    "0 keeps every id",
  );
  assert.equal(
    loadServerConfig({ PARMANA_AUDIT_REQUIRED: "false" }).replayRetentionMs,
    undefined,
    "no permanent authority: Redis keeps every id",
  );
  assert.throws(
    () => loadServerConfig({ PARMANA_AUDIT_REQUIRED: "false", PARMANA_REPLAY_RETENTION_SECONDS: "600" }),
    (e: unknown) =>
      e instanceof ConfigError &&
      /^PARMANA_REPLAY_RETENTION_SECONDS needs PARMANA_AUDIT_REQUIRED=true/.test(e.message),
  );
  assert.throws(() => loadServerConfig({ PARMANA_REPLAY_RETENTION_SECONDS: "-1" }), /whole number from 0/);
});

test("server.config: signing is per-decision unless PARMANA_SIGNING_MODE=batched, whose bounds are checked", () => {
  assert.deepEqual(loadServerConfig({}).signing, { mode: "per-decision" });
  assert.deepEqual(loadServerConfig({ PARMANA_SIGNING_MODE: "batched" }).signing, {
    mode: "batched",
    maxBatch: 256,
    maxWaitMs: 0,
  });
  const bad: [Record<string, string>, RegExp][] = [
    [
      { PARMANA_SIGNING_MODE: "sometimes" },
      /^PARMANA_SIGNING_MODE="sometimes" must be one of per-decision, batched/,
    ],
    [{ PARMANA_SIGNING_MODE: "batched", PARMANA_SIGNING_BATCH_MAX: "0" }, /^PARMANA_SIGNING_BATCH_MAX=/],
    [{ PARMANA_SIGNING_MODE: "batched", PARMANA_SIGNING_BATCH_MAX: "65537" }, /^PARMANA_SIGNING_BATCH_MAX=/],
    [
      { PARMANA_SIGNING_MODE: "batched", PARMANA_SIGNING_BATCH_WAIT_MS: "101" },
      /^PARMANA_SIGNING_BATCH_WAIT_MS=/,
    ],
  ];
  for (const [env, message] of bad)
    assert.throws(
      () => loadServerConfig(env),
      (e: unknown) => e instanceof ConfigError && message.test(e.message),
    );
});
