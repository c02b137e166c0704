// Slow clients (slowloris) are bounded by PARMANA_REQUEST_TIMEOUT_MS: a request whose headers or body trickle
// in, or a connection that sends nothing, is closed soon after the deadline (not after Node's default
// 30-second check), and a hundred of them at once do not stop the server answering everyone else.
import { test } from "node:test";
import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import { startTestServer } from "../../support/server.ts";

const DEADLINE_MS = 1_000;
/** The deadline, Node's check interval (a quarter of it) and scheduling slack on a busy 2-core machine. */
const CLOSED_WITHIN_MS = DEADLINE_MS + 250 + 2_750;

interface Slow {
  readonly socket: Socket;
  /** Resolves with the milliseconds from connect to close, and what the server sent. */
  readonly closed: Promise<{ afterMs: number; received: string }>;
  stop(): void;
}

/** Opens a connection, sends `head`, then one byte of `drip` every 100 ms until the server hangs up. */
function slowClient(url: string, head: string, drip = ""): Slow {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  const started = Date.now();
  let received = "";
  let timer: NodeJS.Timeout | undefined;
  socket.on("data", (chunk: Buffer) => (received += chunk.toString("latin1")));
  socket.on("error", () => undefined);
  socket.once("connect", () => {
    socket.write(head);
    let i = 0;
    if (drip)
      timer = setInterval(() => {
        if (!socket.destroyed) socket.write(drip[i++ % drip.length] ?? "x");
      }, 100);
  });
  const closed = new Promise<{ afterMs: number; received: string }>((resolve) => {
    socket.once("close", () => {
      clearInterval(timer);
      resolve({ afterMs: Date.now() - started, received });
    });
  });
  return {
    socket,
    closed,
    stop: () => {
      clearInterval(timer);
      socket.destroy();
    },
  };
}

/** Fails if the connection is still open `ms` after it began (Node's default would hold it 30–60 s). */
async function closedWithin(
  slow: Slow,
  ms: number,
  what: string,
): Promise<{ afterMs: number; received: string }> {
  const outcome = await Promise.race([
    slow.closed,
    new Promise<undefined>((resolve) =>
      setTimeout(() => {
        resolve(undefined);
      }, ms + 5_000),
    ),
  ]);
  slow.stop();
  assert.ok(outcome, `${what}: the server still held the connection after ${String(ms + 5_000)} ms`);
  assert.ok(
    outcome.afterMs <= ms,
    `${what}: closed after ${String(outcome.afterMs)} ms, bound ${String(ms)} ms`,
  );
  assert.ok(
    outcome.afterMs >= DEADLINE_MS - 50,
    `${what}: closed before its deadline (${String(outcome.afterMs)} ms)`,
  );
  return outcome;
}

test("abuse: slowloris headers, a trickled body and an idle connection are cut at PARMANA_REQUEST_TIMEOUT_MS", async (t) => {
  const s = await startTestServer(t, { env: { PARMANA_REQUEST_TIMEOUT_MS: String(DEADLINE_MS) } });

  const headers = slowClient(s.url, "POST /execute HTTP/1.1\r\nHost: x\r\n", "X-Slow: aaaaaaaaaaaaaaaa\r\n");
  const body = slowClient(
    s.url,
    `POST /execute HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${s.files.keys.executor}\r\n` +
      "Content-Type: application/json\r\nContent-Length: 4000\r\n\r\n",
    '{"executionId": "slow"}',
  );
  const idle = slowClient(s.url, "");
  const [h, b] = await Promise.all([
    closedWithin(headers, CLOSED_WITHIN_MS, "trickled headers"),
    closedWithin(body, CLOSED_WITHIN_MS, "trickled body"),
    closedWithin(idle, CLOSED_WITHIN_MS, "idle connection"),
  ]);
  assert.match(h.received, /^HTTP\/1\.1 408 /, "trickled headers get 408 Request Timeout");
  assert.match(b.received, /^HTTP\/1\.1 408 /, "a trickled body gets 408 Request Timeout");
});

test("abuse: a hundred slow connections do not stop the server answering others, and all are cut", async (t) => {
  const s = await startTestServer(t, { env: { PARMANA_REQUEST_TIMEOUT_MS: String(DEADLINE_MS) } });
  const slow = Array.from({ length: 100 }, () =>
    slowClient(s.url, "GET /health/live HTTP/1.1\r\nHost: x\r\n", "X-Slow: a\r\n"),
  );
  t.after(() => {
    for (const c of slow) c.stop();
  });
  await new Promise((resolve) => setTimeout(resolve, 300));
  const started = Date.now();
  const response = await fetch(`${s.url}/health/live`);
  assert.equal(response.status, 200);
  assert.ok(Date.now() - started < 2_000, `a normal request waited ${String(Date.now() - started)} ms`);
  const outcomes = await Promise.all(
    slow.map((c) => closedWithin(c, CLOSED_WITHIN_MS + 1_000, "slow client")),
  );
  assert.equal(outcomes.length, 100);
});
