import { test } from "node:test";
import assert from "node:assert/strict";
import { loadServerConfig } from "../../../src/server/index.ts";
import { checkingIntervalMs, httpTimeouts } from "../../../src/http/index.ts";

test("PARMANA_REQUEST_TIMEOUT_MS defaults to 30 s, is bounded, and names itself when wrong", () => {
  assert.equal(loadServerConfig({}).requestTimeoutMs, 30_000);
  assert.equal(loadServerConfig({ PARMANA_REQUEST_TIMEOUT_MS: "2500" }).requestTimeoutMs, 2_500);
  assert.throws(() => loadServerConfig({ PARMANA_REQUEST_TIMEOUT_MS: "10" }), /PARMANA_REQUEST_TIMEOUT_MS/);
  assert.throws(() => loadServerConfig({ PARMANA_REQUEST_TIMEOUT_MS: "soon" }), /PARMANA_REQUEST_TIMEOUT_MS/);
});

test("the deadline is checked often enough to mean what it says", () => {
  assert.equal(checkingIntervalMs(30_000), 1_000);
  assert.equal(checkingIntervalMs(1_000), 250);
  assert.equal(checkingIntervalMs(200), 100);
  const options = httpTimeouts(1_000);
  assert.deepEqual(options.http, {
    requestTimeout: 1_000,
    headersTimeout: 1_000,
    connectionsCheckingInterval: 250,
  });
  assert.equal(options.connectionTimeout, 1_000);
});
