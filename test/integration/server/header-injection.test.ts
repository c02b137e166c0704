// Header injection: nothing a client sends can add a header to a response (CRLF in paths, request ids or
// keys), smuggle a second request (Content-Length with Transfer-Encoding, two lengths, control bytes), point
// the API's documents at another host, or move its rate-limit bucket and recorded address (X-Forwarded-For
// is not trusted).
import { test } from "node:test";
import assert from "node:assert/strict";
import { connect } from "node:net";
import { eventually } from "../../support/kube.ts";
import { executeBody, get, startTestServer, uniqueId } from "../../support/server.ts";

/** Sends raw bytes and returns everything the server wrote before it closed (or 3 s passed). */
function raw(url: string, bytes: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname, () => socket.write(bytes, "latin1"));
    let received = "";
    socket.on("data", (chunk: Buffer) => (received += chunk.toString("latin1")));
    socket.on("error", () => undefined);
    const timer = setTimeout(() => socket.destroy(), 3_000);
    socket.once("close", () => {
      clearTimeout(timer);
      resolve(received);
    });
  });
}

/** The header block of each HTTP response in `text`. */
function responseHeads(text: string): string[] {
  return text
    .split(/(?=HTTP\/1\.1 \d{3} )/)
    .filter(Boolean)
    .map((r) => r.split("\r\n\r\n")[0] ?? "");
}

test("abuse: CRLF in a path, a request id or a key never adds a response header", async (t) => {
  const s = await startTestServer(t);
  const auditor = s.files.keys.auditor;
  const injected = "%0D%0ASet-Cookie:%20pwned=1%0D%0AX-Injected:%20yes";
  const lookup = await get(`${s.url}/audit/decisions/abc${injected}`, auditor);
  assert.ok([400, 404].includes(lookup.status), `status ${String(lookup.status)}`);
  assert.equal(lookup.headers.get("set-cookie"), null);
  assert.equal(lookup.headers.get("x-injected"), null);

  // Raw bytes: the "continuation" becomes a header of the request, never of the response.
  const answer = await raw(
    s.url,
    "GET /health/live HTTP/1.1\r\nHost: x\r\nX-Request-Id: ok\r\nSet-Cookie: pwned=1\r\nConnection: close\r\n\r\n",
  );
  const [head] = responseHeads(answer);
  assert.match(head ?? "", /^HTTP\/1\.1 200 /);
  assert.doesNotMatch(head ?? "", /set-cookie/i);
  assert.match(head ?? "", /\r\nx-request-id: ok\r\n/i, "a well-formed request id is echoed as it came");

  for (const id of ["a b", "x\tSet-Cookie: y", "é", "a".repeat(129), "ok%0d%0aX-Injected: 1"]) {
    const response = await fetch(`${s.url}/health/live`, { headers: { "x-request-id": id } });
    const echoed = response.headers.get("x-request-id") ?? "";
    assert.notEqual(echoed, id, `request id ${JSON.stringify(id)} must be replaced`);
    assert.match(echoed, /^[0-9a-f-]{36}$/, "replaced by a generated id");
    assert.equal(response.headers.get("x-injected"), null);
  }

  const bad = await raw(
    s.url,
    `POST /execute HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer abc\x0bSet-Cookie: z\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`,
  );
  const [badHead] = responseHeads(bad);
  assert.match(badHead ?? "", /^HTTP\/1\.1 (400|401) /);
  assert.doesNotMatch(badHead ?? "", /set-cookie/i);
});

test("abuse: request smuggling is refused with 400 and the connection closed, never a second request", async (t) => {
  const s = await startTestServer(t);
  const key = s.files.keys.executor;
  const body = JSON.stringify(executeBody(uniqueId("smuggle")));
  const smuggled = `GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n`;
  const attempts: Record<string, string> = {
    "Content-Length with Transfer-Encoding": `POST /execute HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${key}\r\nContent-Type: application/json\r\nContent-Length: ${String(body.length)}\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${smuggled}`,
    "two different Content-Lengths": `POST /execute HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${key}\r\nContent-Type: application/json\r\nContent-Length: ${String(body.length)}\r\nContent-Length: 0\r\n\r\n${body}${smuggled}`,
    "a NUL in a header value": `GET /health/live HTTP/1.1\r\nHost: x\r\nX-Evil: a\0b\r\n\r\n${smuggled}`,
    "a bare CR in a header value": `GET /health/live HTTP/1.1\r\nHost: x\r\nX-Evil: a\rb\r\n\r\n${smuggled}`,
    "an obsolete folded header": `GET /health/live HTTP/1.1\r\nHost: x\r\nX-Evil: a\r\n b\r\n\r\n${smuggled}`,
  };
  for (const [what, bytes] of Object.entries(attempts)) {
    const heads = responseHeads(await raw(s.url, bytes));
    assert.equal(heads.length, 1, `${what}: one response only, got ${String(heads.length)}`);
    assert.match(heads[0] ?? "", /^HTTP\/1\.1 400 /, `${what}: ${heads[0] ?? "no answer"}`);
  }
  const stored = await get(`${s.url}/audit/decisions?limit=10`, s.files.keys.auditor);
  assert.deepEqual(
    (stored.body as { decisions: unknown[] }).decisions,
    [],
    "no smuggled execute was decided",
  );
});

test("abuse: X-Forwarded-For is not trusted: it moves neither the rate-limit bucket nor the recorded address", async (t) => {
  const s = await startTestServer(t, { env: { PARMANA_RATE_LIMIT_EXECUTE: "3" } });
  const statuses: number[] = [];
  for (let i = 0; i < 5; i++) {
    const response = await fetch(`${s.url}/execute`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-forwarded-for": `203.0.113.${String(i)}` },
      body: JSON.stringify(executeBody(uniqueId())),
    });
    statuses.push(response.status);
  }
  assert.deepEqual(statuses, [401, 401, 401, 429, 429], "one bucket for one real address");
  const fromRequests = await eventually("both events to be stored", async () => {
    const page = await s.client("auditor").audit.events({ limit: 100 });
    const rows = page.events.filter((e) => e["path"] === "/execute");
    return new Set(rows.map((e) => e["event_type"])).size === 2 ? rows : undefined;
  });
  for (const e of fromRequests) assert.equal(e["client_ip"], "127.0.0.1");

  const openapi = await raw(
    s.url,
    "GET /openapi.json HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n",
  );
  assert.match(openapi, /^HTTP\/1\.1 200 /);
  assert.doesNotMatch(openapi, /evil\.example/, "the Host header is never reflected into the API document");
});
