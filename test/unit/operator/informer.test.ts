// The informer's list/watch logic with a scripted client: a watch that expires (410 Gone) lists again and the
// cache follows the new list (objects gone meanwhile are reported deleted); watch events update the cache;
// other failures back off and list again. (The real API server path is exercised by the operator's
// integration tests.)
import { test } from "node:test";
import assert from "node:assert/strict";
import { Informer, ResourceTypes, type KubeClient, type KubeObject } from "../../../src/operator/index.ts";
import { WatchExpiredError, type WatchEvent } from "../../../src/operator/kube.ts";

const obj = (name: string, rv: string): KubeObject => ({
  metadata: { name, namespace: "ns", resourceVersion: rv },
});

test("informer: a 410 Gone lists again; the cache and the handler follow the new list", async () => {
  const lists = [
    { items: [obj("a", "1"), obj("b", "2")], metadata: { resourceVersion: "2" } },
    { items: [obj("a", "5"), obj("c", "6")], metadata: { resourceVersion: "6" } },
  ];
  const watches: string[] = [];
  let watchCount = 0;
  let thirdWatch: () => void = () => undefined;
  const watching = new Promise<void>((resolve) => {
    thirdWatch = resolve;
  });
  const client = {
    list: () =>
      Promise.resolve(
        lists.shift() ?? { items: [obj("a", "5"), obj("c", "6")], metadata: { resourceVersion: "6" } },
      ),
    watch: async (
      _type: unknown,
      _ns: unknown,
      options: { resourceVersion: string },
      onEvent: (e: WatchEvent<KubeObject>) => void,
      signal: AbortSignal,
    ) => {
      watches.push(options.resourceVersion);
      watchCount += 1;
      if (watchCount === 1) {
        onEvent({ type: "MODIFIED", object: obj("b", "3") });
        throw new WatchExpiredError("too old resource version: 3");
      }
      if (watchCount === 2) {
        onEvent({ type: "BOOKMARK", object: obj("", "7") });
        return;
      }
      thirdWatch();
      await new Promise((resolve) => {
        signal.addEventListener("abort", resolve);
      });
    },
  } as unknown as KubeClient;
  const seen: string[] = [];
  const reasons: string[] = [];
  const informer = new Informer<KubeObject>(client, ResourceTypes.configMap, {
    namespace: "ns",
    handler: (o, kind) => seen.push(`${kind}:${o.metadata.name}@${o.metadata.resourceVersion ?? ""}`),
    onList: (reason) => reasons.push(reason),
  });
  const stop = new AbortController();
  const running = informer.run(stop.signal);
  await informer.synced;
  await watching; // the third watch has started: no sleeping for it
  stop.abort();
  await running;
  assert.deepEqual(reasons, ["initial", "expired"]);
  assert.deepEqual(
    watches,
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

test("informer: a failing list backs off and tries again", async () => {
  let calls = 0;
  const client = {
    list: () => {
      calls += 1;
      return calls === 1
        ? Promise.reject(new Error("connection refused"))
        : Promise.resolve({ items: [obj("a", "1")], metadata: { resourceVersion: "1" } });
    },
    watch: (_t: unknown, _n: unknown, _o: unknown, _e: unknown, signal: AbortSignal) =>
      new Promise((resolve) => {
        signal.addEventListener("abort", resolve);
      }),
  } as unknown as KubeClient;
  const errors: unknown[] = [];
  const informer = new Informer<KubeObject>(client, ResourceTypes.configMap, {
    namespace: "ns",
    handler: () => undefined,
    onError: (e) => errors.push(e),
  });
  const stop = new AbortController();
  const running = informer.run(stop.signal);
  await informer.synced;
  stop.abort();
  await running;
  assert.equal(errors.length, 1);
  assert.equal(calls, 2);
  assert.equal(informer.get("ns", "a")?.metadata.resourceVersion, "1");
});
