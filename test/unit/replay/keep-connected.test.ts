import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { keepConnected, type ReplayRedis } from "../../../src/replay/index.ts";

/** Just enough of a client: it emits "end" and counts connect() calls (failing the first `failures`). */
function fakeClient(failures = 0): { client: ReplayRedis; connects: () => number } {
  const emitter = new EventEmitter();
  let calls = 0;
  const client = Object.assign(emitter, {
    connect: () => {
      calls++;
      return calls <= failures ? Promise.reject(new Error("still down")) : Promise.resolve();
    },
  });
  return { client: client as unknown as ReplayRedis, connects: () => calls };
}

test("keepConnected: a client that ioredis gave up on is connected again, retrying until it works", async () => {
  const { client, connects } = fakeClient(1);
  const revived: number[] = [];
  const stop = keepConnected(client, () => revived.push(Date.now()));
  (client as unknown as EventEmitter).emit("end");
  await sleep(1_300);
  assert.equal(connects(), 2, "the failed attempt is retried");
  assert.equal(revived.length, 2);
  stop();
});

test("keepConnected: after stop() (a deliberate disconnect) an end is left alone", async () => {
  const { client, connects } = fakeClient();
  const stop = keepConnected(client);
  stop();
  (client as unknown as EventEmitter).emit("end");
  await sleep(700);
  assert.equal(connects(), 0);
});
