// Log injection: newlines and JSON in an executionId, a URL and a header never forge a log line. Every line
// the server writes (at debug, so per-request lines too) is one JSON object, and none carries the forged
// message; the hostile executionId is refused by the schema before it reaches any log or store.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import pino from "pino";
import { loadServerConfig, startServer } from "../../../src/server/index.ts";
import { redisService } from "../../support/services.ts";
import { executeBody, freshDatabase, post, serverEnv, writeServerFiles } from "../../support/server.ts";

test("abuse: newlines and JSON in executionId, path and headers never forge a log line", async (t) => {
  const lines: string[] = [];
  let partial = "";
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      partial += chunk.toString("utf8");
      const parts = partial.split("\n");
      partial = parts.pop() ?? "";
      lines.push(...parts);
      done();
    },
  });
  const files = await writeServerFiles(t);
  const config = loadServerConfig(serverEnv(files, await freshDatabase(t), redisService().url));
  const server = await startServer(config, { logger: pino({ level: "debug" }, sink) });
  t.after(() => server.close());
  const forged = '{"level":30,"msg":"forged: admin logged in"}';
  const hostile = `x\n${forged}\r\n`;

  const refused = await post(`${server.url}/execute`, files.keys.executor, executeBody(hostile));
  assert.equal(refused.status, 400, "an executionId with control characters is refused by the schema");
  await fetch(`${server.url}/policies%0A${encodeURIComponent(forged)}`, {
    headers: {
      authorization: `Bearer ${files.keys.auditor}`,
      "user-agent": `ua ${forged}`,
      "x-request-id": "r\tq",
    },
  });
  await post(`${server.url}/execute`, `key\n${forged}`.replaceAll("\n", " "), executeBody("fine-id"));
  await new Promise((resolve) => setTimeout(resolve, 200));

  assert.ok(lines.length > 0, "the server logged");
  for (const line of lines) {
    const entry = JSON.parse(line) as { msg?: string };
    assert.notEqual(entry.msg, "forged: admin logged in", "no forged log line");
  }
});
