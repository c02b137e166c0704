// Leader election on a manual clock (no sleeping): a candidate takes a free Lease, another waits while it is
// renewed, and takes it over only once the record has stood unchanged for the lease duration.
import { test } from "node:test";
import assert from "node:assert/strict";
import { LeaderElector } from "../../../src/operator/index.ts";
import type { KubeClient, KubeObject } from "../../../src/operator/kube/index.ts";
import { ManualClock } from "../../support/manual-clock.ts";

/** One Lease kept in memory, as the API server would keep it. */
function leaseClient(): { client: KubeClient; holder: () => string | undefined } {
  let lease: (KubeObject & { spec?: Record<string, unknown> }) | undefined;
  const client = {
    get: () => Promise.resolve(lease),
    create: (_type: unknown, object: KubeObject) => {
      lease = object;
      return Promise.resolve(object);
    },
    replace: (_type: unknown, object: KubeObject) => {
      lease = object;
      return Promise.resolve(object);
    },
  } as unknown as KubeClient;
  return { client, holder: () => lease?.spec?.["holderIdentity"] as string | undefined };
}

test("leader: a held Lease is taken over only after it stood unchanged, as this candidate saw it, for the lease duration", async () => {
  const clock = new ManualClock();
  const { client, holder } = leaseClient();
  const options = {
    namespace: "ns",
    name: "parmana-operator",
    leaseDurationMs: 15_000,
    renewDeadlineMs: 10_000,
    retryPeriodMs: 2_000,
    clock,
  };
  const a = new LeaderElector(client, { ...options, identity: "a" });
  const b = new LeaderElector(client, { ...options, identity: "b" });
  assert.equal(await a.tryAcquireOrRenew(), true, "a takes the free Lease");
  assert.equal(await b.tryAcquireOrRenew(), false, "b sees it held");
  await clock.advance(10_000);
  assert.equal(await a.tryAcquireOrRenew(), true, "a renews");
  await clock.advance(4_000);
  assert.equal(await b.tryAcquireOrRenew(), false, "b sees the renewal: the lease time starts again");
  await clock.advance(14_000);
  assert.equal(await b.tryAcquireOrRenew(), false, "unchanged for 14 s: still a's");
  await clock.advance(2_000);
  assert.equal(await b.tryAcquireOrRenew(), true, "unchanged for 16 s > 15 s: b takes over");
  assert.equal(holder(), "b");
  assert.equal(await a.tryAcquireOrRenew(), false, "a has lost it");
});
