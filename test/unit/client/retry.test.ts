// The SDK's retries: a 409 (the id still in flight), a 503 and a timeout are sent again with the same body —
// safe, since the server answers a retry with the decision it made first — until the retries run out; a 422
// (a replay with other signals) or a 400 is never retried. The server side is proven against the real
// services in test/integration/server/retry.test.ts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ParmanaApiError, ParmanaClient } from "../../../src/client/index.ts";

const request = {
  executionId: "exec-1",
  policyId: "loan-approval",
  policyVersion: "1.2.0",
  signals: { amount: 1 },
};

function scripted(answers: (number | "timeout")[]): { fetch: typeof fetch; bodies: string[] } {
  const bodies: string[] = [];
  const fetchImpl = (_url: string | URL | Request, init?: RequestInit): Promise<Response> => {
    bodies.push(typeof init?.body === "string" ? init.body : "");
    const next = answers.shift() ?? 500;
    if (next === "timeout") return Promise.reject(new DOMException("timed out", "TimeoutError"));
    const ok = next === 200;
    return Promise.resolve(
      new Response(
        JSON.stringify(
          ok
            ? { status: "CONFIRMED", requires_override: false, attestation: { executionId: "exec-1" } }
            : { error: "x", code: String(next) },
        ),
        { status: next, headers: ok ? { "parmana-replayed": "true" } : {} },
      ),
    );
  };
  return { fetch: fetchImpl, bodies };
}

test("client retries: 409, 503 and a timeout are retried with the same body; the answer says replayed", async () => {
  const { fetch, bodies } = scripted([409, 503, "timeout", 200]);
  const client = new ParmanaClient({ baseUrl: "http://127.0.0.1:1", apiKey: "k", fetch });
  const outcome = await client.executeOutcome(request, { retries: 3, retryDelayMs: 1 });
  assert.equal(outcome.replayed, true);
  assert.equal(bodies.length, 4);
  assert.equal(new Set(bodies).size, 1, "every attempt sends the same request");
});

test("client retries: they run out; a 422 replay or a 400 is never retried; none by default", async () => {
  const out = scripted([409, 409, 409]);
  const client = new ParmanaClient({ baseUrl: "http://127.0.0.1:1", apiKey: "k", fetch: out.fetch });
  await assert.rejects(
    client.execute(request, { retries: 2, retryDelayMs: 1 }),
    (e: unknown) => e instanceof ParmanaApiError && e.status === 409,
  );
  assert.equal(out.bodies.length, 3);
  for (const status of [422, 400]) {
    const s = scripted([status, 200]);
    const c = new ParmanaClient({ baseUrl: "http://127.0.0.1:1", apiKey: "k", fetch: s.fetch });
    await assert.rejects(c.execute(request, { retries: 5, retryDelayMs: 1 }));
    assert.equal(s.bodies.length, 1, `${String(status)} is not retried`);
  }
  const once = scripted([503, 200]);
  const plain = new ParmanaClient({ baseUrl: "http://127.0.0.1:1", apiKey: "k", fetch: once.fetch });
  await assert.rejects(plain.execute(request));
  assert.equal(once.bodies.length, 1, "no retries unless asked");
});
