// The one line `parmana status` prints, from an object's own status: ready; suspended; not yet observed; or not
// ready with the reason and what to do about it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseDuration } from "../../../src/cli/commands/objects.ts";
import { summarize } from "../../../src/operator/index.ts";

const at = "2026-12-01T00:00:00Z";
const ready = (status: "True" | "False", reason: string, message: string, observedGeneration = 2) => ({
  metadata: { name: "loan", generation: 2 },
  spec: {},
  status: {
    observedGeneration,
    conditions: [{ type: "Ready", status, reason, message, lastTransitionTime: at, observedGeneration }],
  },
});

test("summary: ready, not ready with its fix, not yet observed, suspended", () => {
  assert.deepEqual(summarize("PolicyBundle", ready("True", "Verified", "servers may use this bundle")), {
    ready: true,
    suspended: false,
    reason: "Verified",
    line: "ready: servers may use this bundle",
  });
  const untrusted = summarize("PolicyBundle", ready("False", "UNTRUSTED_KEY", "signed by ed25519:ab"));
  assert.equal(untrusted.ready, false);
  assert.match(
    untrusted.line,
    /^not ready \(UNTRUSTED_KEY\): signed by ed25519:ab — add the signer's public key/,
  );
  const rolling = summarize("GovernanceServer", ready("False", "RollingOut", "1/2 replicas updated"));
  assert.match(rolling.line, /kubectl get pods -l app\.kubernetes\.io\/instance=loan/);
  const odd = summarize("GovernanceServer", ready("False", "SomethingNew", "?"));
  assert.match(odd.line, /see `kubectl describe gs loan`$/);
  const stale = summarize("PolicyBundle", ready("True", "Verified", "ok", 1));
  assert.deepEqual([stale.ready, stale.reason], [false, "NotObserved"]);
  assert.match(stale.line, /not reconciled yet \(generation 2, observed 1\)/);
  const suspended = summarize("GovernanceServer", {
    ...ready("True", "RolledOut", "ok"),
    spec: { suspend: true },
  });
  assert.deepEqual([suspended.ready, suspended.suspended, suspended.reason], [true, true, "Suspended"]);
  assert.match(suspended.line, /parmana resume gs loan/);
});

test("summary: --timeout durations", () => {
  assert.deepEqual(
    ["90s", "5m", "120", "1500ms", "0.5m"].map(parseDuration),
    [90_000, 300_000, 120_000, 1_500, 30_000],
  );
  assert.throws(() => parseDuration("soon"), /give a duration such as 90s/);
});
