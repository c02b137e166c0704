// The informer over the library's ListWatch and Watch, against a scripted API server on loopback (the list,
// discovery and watch endpoints, nothing else): a watch that expires (410 Gone) lists again and the cache
// follows the new list (objects gone meanwhile are reported deleted); watch events update the cache; a failed
// list backs off and lists again; objects keep one shape (the V1* models, timestamps as Dates) whether they
// came from a list or a watch. The real API server path is exercised by the operator's integration tests.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { KubeConfig } from "@kubernetes/client-node";
import { Informer, KubeClient, ResourceTypes, type KubeObject } from "../../../src/operator/index.ts";
import type { SecretObject } from "../../../src/operator/kube/index.ts";

type Item = Record<string, unknown> & { metadata: Record<string, unknown> };

const obj = (name: string, rv: string, extra: Record<string, unknown> = {}): Item => ({
  metadata: { name, namespace: "ns", resourceVersion: rv, ...extra },
});

interface Script {
  /** Each list's answer in turn: the items and the list's resourceVersion, or an HTTP status to fail with. */
  readonly lists: ({ items: Item[]; resourceVersion: string } | number)[];
  /** Each watch in turn: the events it sends, then whether it closes or stays open. */
  readonly watches: { events: { type: string; object: unknown }[]; then: "close" | "hold" }[];
  readonly kind: string;
}

interface FakeApi {
  readonly client: KubeClient;
  readonly listCalls: () => number;
  readonly watchedFrom: string[];
  readonly held: Promise<void>;
}

async function fakeApiServer(t: TestContext, script: Script): Promise<FakeApi> {
  let lists = 0;
  const watchedFrom: string[] = [];
  let resolveHeld: () => void = () => undefined;
  const held = new Promise<void>((resolve) => (resolveHeld = resolve));
  const open = new Set<ServerResponse>();
  const json = (res: ServerResponse, status: number, body: unknown): void => {
    res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (url.pathname === "/api/v1") {
      json(res, 200, {
        kind: "APIResourceList",
        groupVersion: "v1",
        resources: [
          { name: "configmaps", kind: "ConfigMap", namespaced: true, verbs: ["list", "watch"] },
          { name: "secrets", kind: "Secret", namespaced: true, verbs: ["list", "watch"] },
        ],
      });
      return;
    }
    if (url.searchParams.get("watch") === "true") {
      watchedFrom.push(url.searchParams.get("resourceVersion") ?? "");
      const step = script.watches.shift() ?? { events: [], then: "hold" as const };
      res.writeHead(200, { "content-type": "application/json" });
      for (const e of step.events) res.write(`${JSON.stringify(e)}\n`);
      if (step.then === "close") res.end();
      else {
        open.add(res);
        resolveHeld();
      }
      return;
    }
    lists += 1;
    const answer = script.lists.shift() ?? 500;
    if (typeof answer === "number") {
      json(res, answer, { kind: "Status", status: "Failure", reason: "InternalError", message: "scripted" });
      return;
    }
    json(res, 200, {
      apiVersion: "v1",
      kind: `${script.kind}List`,
      metadata: { resourceVersion: answer.resourceVersion },
      items: answer.items,
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(async () => {
    for (const res of open) res.destroy();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: [
      {
        name: "fake",
        skipTLSVerify: true,
        server: `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`,
      },
    ],
    users: [{ name: "fake" }],
    contexts: [{ name: "fake", cluster: "fake", user: "fake" }],
    currentContext: "fake",
  });
  return {
    client: new KubeClient(config, { fieldManager: "parmana-test" }),
    listCalls: () => lists,
    watchedFrom,
    held,
  };
}

/** A clock whose waits end at once (the backoff is asserted by what happens, not how long it took). */
const instant = { now: () => Date.now(), delay: () => Promise.resolve() };

test("informer: a 410 Gone lists again; the cache and the handler follow the new list", async (t) => {
  const api = await fakeApiServer(t, {
    kind: "ConfigMap",
    lists: [
      { items: [obj("a", "1"), obj("b", "2")], resourceVersion: "2" },
      { items: [obj("a", "5"), obj("c", "6")], resourceVersion: "6" },
    ],
    watches: [
      {
        events: [
          { type: "MODIFIED", object: { apiVersion: "v1", kind: "ConfigMap", ...obj("b", "3") } },
          { type: "ERROR", object: { kind: "Status", code: 410, message: "too old resource version: 3" } },
        ],
        then: "close",
      },
      {
        events: [
          {
            type: "BOOKMARK",
            object: { apiVersion: "v1", kind: "ConfigMap", metadata: { resourceVersion: "7" } },
          },
        ],
        then: "close",
      },
      { events: [], then: "hold" },
    ],
  });
  const seen: string[] = [];
  const reasons: string[] = [];
  const informer = new Informer<KubeObject>(api.client, ResourceTypes.configMap, {
    namespace: "ns",
    handler: (o, kind) => seen.push(`${kind}:${o.metadata.name}@${o.metadata.resourceVersion ?? ""}`),
    onList: (reason) => reasons.push(reason),
  });
  const stop = new AbortController();
  const running = informer.run(stop.signal);
  await informer.synced;
  await api.held; // the third watch is open: no sleeping for it
  stop.abort();
  await running;
  assert.deepEqual(reasons, ["initial", "expired"]);
  assert.deepEqual(
    api.watchedFrom,
    ["2", "6", "7"],
    "watch from the list's version, again after the re-list, then from the bookmark",
  );
  assert.deepEqual(
    informer
      .list()
      .map((o) => `${o.metadata.name}@${o.metadata.resourceVersion ?? ""}`)
      .sort(),
    ["a@5", "c@6"],
  );
  assert.ok(seen.includes("upsert:b@3"), "the watch event reached the handler");
  assert.ok(seen.includes("delete:b@3"), "b, gone from the new list, was reported deleted");
  assert.ok(seen.includes("upsert:c@6"));
});

test("informer: a failing list backs off and lists again", async (t) => {
  const api = await fakeApiServer(t, {
    kind: "ConfigMap",
    lists: [500, { items: [obj("a", "1")], resourceVersion: "1" }],
    watches: [{ events: [], then: "hold" }],
  });
  const errors: unknown[] = [];
  const reasons: string[] = [];
  const informer = new Informer<KubeObject>(api.client, ResourceTypes.configMap, {
    namespace: "ns",
    handler: () => undefined,
    onError: (e) => errors.push(e),
    onList: (reason) => reasons.push(reason),
    clock: instant,
  });
  const stop = new AbortController();
  const running = informer.run(stop.signal);
  await informer.synced;
  stop.abort();
  await running;
  assert.equal(errors.length, 1);
  assert.match(
    String(errors[0]),
    /500 InternalError: scripted/,
    "the API server's message, not the library's dump",
  );
  assert.equal(api.listCalls(), 2);
  assert.deepEqual(reasons, ["initial", "error"]);
  assert.equal(informer.get("ns", "a")?.metadata.resourceVersion, "1");
});

test("informer: an object has one shape whether it came from the list or from the watch", async (t) => {
  const created = "2026-11-30T10:00:00Z";
  const api = await fakeApiServer(t, {
    kind: "Secret",
    lists: [
      {
        items: [{ ...obj("listed", "1", { creationTimestamp: created }), data: { k: "dg==" } }],
        resourceVersion: "1",
      },
    ],
    watches: [
      {
        events: [
          {
            type: "ADDED",
            object: {
              apiVersion: "v1",
              kind: "Secret",
              ...obj("watched", "2", { creationTimestamp: created }),
              data: { k: "dg==" },
            },
          },
        ],
        then: "hold",
      },
    ],
  });
  let added: () => void = () => undefined;
  const watchedArrived = new Promise<void>((resolve) => (added = resolve));
  const informer = new Informer<SecretObject>(api.client, ResourceTypes.secret, {
    namespace: "ns",
    handler: (o) => {
      if (o.metadata.name === "watched") added();
    },
  });
  const stop = new AbortController();
  const running = informer.run(stop.signal);
  await watchedArrived;
  stop.abort();
  await running;
  for (const name of ["listed", "watched"]) {
    const secret = informer.get("ns", name);
    assert.ok(secret, name);
    assert.ok(secret.metadata.creationTimestamp instanceof Date, `${name}: creationTimestamp is a Date`);
    assert.equal(secret.metadata.creationTimestamp.toISOString(), "2026-11-30T10:00:00.000Z");
    assert.equal(secret.apiVersion, "v1");
    assert.equal(secret.kind, "Secret");
    assert.deepEqual(secret.data, { k: "dg==" });
  }
});
