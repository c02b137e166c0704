// The composition root closes what it opened: in reverse order on shutdown, and at once when a later step
// of the start fails (here: the metrics port is taken after the API already listens).
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer, connect, type Server } from "node:net";
import { pino } from "pino";
import { ConfigError, loadServerConfig, ResourceStack, startServer } from "../../src/server/index.ts";

test("resource-stack: closes newest first, reports a failing close and still closes the rest, once", async () => {
  const closed: string[] = [];
  const failures: string[] = [];
  const stack = new ResourceStack({ closeFailed: (name) => failures.push(name) });
  stack.add("database", 1, () => closed.push("database"));
  stack.add("watch", 2, () => {
    throw new Error("boom");
  });
  stack.add("server", 3, () => closed.push("server"));
  await assert.rejects(
    stack.guard(() => Promise.reject(new Error("a later step failed"))),
    /a later step failed/,
  );
  assert.deepEqual(closed, ["server", "database"]);
  assert.deepEqual(failures, ["watch"]);
  await stack.close();
  assert.deepEqual(closed, ["server", "database"], "idempotent");
});

const listening = (server: Server): Promise<number> =>
  new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const a = server.address();
      resolve(typeof a === "object" && a ? a.port : 0);
    });
  });

const refused = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", () => {
      resolve(true);
    });
  });

test("composition: a start that fails at the metrics port closes the API it had already opened", async (t) => {
  const taken = createServer();
  const metricsPort = await listening(taken);
  t.after(() => taken.close());
  const probe = createServer();
  const apiPort = await listening(probe);
  await new Promise((resolve) => probe.close(resolve));
  const config = loadServerConfig({
    HOST: "127.0.0.1",
    PORT: String(apiPort),
    METRICS_PORT: String(metricsPort),
    DASHBOARD_ENABLED: "false",
    LOG_LEVEL: "silent",
  });
  await assert.rejects(
    startServer(config, {
      dev: { apiKey: "pk_dev_composition_test_0001" },
      logger: pino({ level: "silent" }),
    }),
    (e: unknown) => e instanceof ConfigError && e.message.startsWith("METRICS_PORT: cannot listen"),
  );
  assert.ok(await refused(apiPort), "the API port was released");
});
