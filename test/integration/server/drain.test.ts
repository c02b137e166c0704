// The drain before a stop (src/http/drain.ts), over real sockets: while it runs the server still decides,
// reports itself not ready, and closes each keep-alive connection after its response; then it stops listening.
// The e2e tier proves the same on a real node, where a rolling update under load loses no request.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Agent, request } from "node:http";
import { executeBody, startTestServer, uniqueId } from "../../support/server.ts";

interface Answer {
  status: number;
  connection: string | undefined;
  body: Record<string, unknown>;
}

function call(
  url: string,
  agent: Agent,
  method: "GET" | "POST",
  body?: unknown,
  key?: string,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        agent,
        headers: {
          ...(body !== undefined && { "content-type": "application/json" }),
          ...(key !== undefined && { authorization: `Bearer ${key}` }),
        },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (text += chunk));
        res.on("end", () => {
          resolve({
            status: res.statusCode ?? 0,
            connection: res.headers.connection,
            body: (text ? JSON.parse(text) : {}) as Record<string, unknown>,
          });
        });
      },
    );
    req.on("error", reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

test("drain: the server keeps deciding while not ready, closes each connection after its answer, then stops listening", async (t) => {
  const s = await startTestServer(t);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  t.after(() => {
    agent.destroy();
  });
  const key = s.files.keys.executor;

  const before = await call(`${s.url}/health/ready`, agent, "GET");
  assert.equal(before.status, 200);
  assert.equal(before.connection, "keep-alive");

  const draining = s.server.drain(1_500);
  const ready = await call(`${s.url}/health/ready`, agent, "GET");
  assert.equal(ready.status, 503);
  assert.equal(ready.body["status"], "draining");
  assert.equal(ready.connection, "close", "the client is asked to leave its connection");

  const decided = await call(`${s.url}/execute`, agent, "POST", executeBody(uniqueId("drain")), key);
  assert.equal(decided.status, 200, JSON.stringify(decided.body));
  assert.equal(decided.body["status"], "completed");
  assert.equal(decided.connection, "close");

  await draining;
  await s.server.close();
  await assert.rejects(call(`${s.url}/health/live`, agent, "GET"), /ECONNREFUSED/);
});
