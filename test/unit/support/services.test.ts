import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { connectPostgres, connectRedis, kafkaClient } from "../../support/clients.ts";
import { ServiceUnavailableError, usingService } from "../../support/services.ts";

/** A loopback port that nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  assert.ok(address !== null && typeof address === "object");
  await new Promise<void>((resolve) =>
    server.close(() => {
      resolve();
    }),
  );
  return address.port;
}

test("services: an unreachable Postgres fails by name, never as a bare socket error", async () => {
  const port = await closedPort();
  await assert.rejects(
    connectPostgres({
      name: "Postgres",
      url: `postgres://u:p@127.0.0.1:${String(port)}/db`,
      host: "127.0.0.1",
      port,
      log: "/tmp/pg.log",
    }),
    (error: unknown) =>
      error instanceof ServiceUnavailableError &&
      error.message.startsWith(`Postgres at 127.0.0.1:${String(port)} failed:`) &&
      error.message.includes("/tmp/pg.log"),
  );
});

test("services: an unreachable Redis fails by name instead of queueing commands forever", async () => {
  const port = await closedPort();
  await assert.rejects(
    connectRedis({
      name: "Redis",
      url: `redis://127.0.0.1:${String(port)}`,
      host: "127.0.0.1",
      port,
      log: "/tmp/redis.log",
    }),
    (error: unknown) =>
      error instanceof ServiceUnavailableError &&
      error.message.startsWith(`Redis at 127.0.0.1:${String(port)} failed:`),
  );
});

test("services: an unreachable Kafka fails by name", async () => {
  const port = await closedPort();
  const kafka = {
    name: "Kafka",
    brokers: [`127.0.0.1:${String(port)}`],
    log: "/tmp/kafka.log",
    classpath: "",
  } as const;
  const admin = kafkaClient("unreachable", kafka).admin();
  await assert.rejects(
    usingService(kafka, () => admin.connect()),
    (error: unknown) =>
      error instanceof ServiceUnavailableError &&
      error.message.startsWith(`Kafka at 127.0.0.1:${String(port)} failed:`),
  );
});
