// When the keys that verified bundles depend on expire, exported by both places that trust them: the operator
// (each PolicyBundle's trust Secret, with trust.json) and the server (PARMANA_TRUSTED_KEYS_DIR). The chart's
// alerts ParmanaTrustedKeyExpiringSoon / ParmanaTrustedKeyExpiring key on this series (promtool fixtures in
// test/fixtures/alerts/tests.yaml).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parsePublicKey } from "../../../src/crypto/index.ts";
import { ResourceTypes } from "../../../src/operator/index.ts";
import { makeBundle, newSigningKey } from "../../support/bundles.ts";
import { eventually, kubeConfig, testNamespace } from "../../support/kube.ts";
import {
  applyObject,
  applyPolicyBundle,
  installCrds,
  startOperator,
  testClient,
  verifiedState,
} from "../../support/operator.ts";
import { startTestServer, writeServerFiles } from "../../support/server.ts";

const NOT_AFTER = "2030-01-01T00:00:00Z";
const SECONDS = String(Date.parse(NOT_AFTER) / 1000);

async function scrape(url: string): Promise<string[]> {
  const text = await (await fetch(url)).text();
  return text.split("\n").filter((l) => l.startsWith("parmana_trusted_key_not_after_timestamp_seconds{"));
}

test("trusted-key expiry: the operator exports each verified PolicyBundle's expiring keys, in use or spare", async (t) => {
  await installCrds();
  const ns = await testNamespace(t, kubeConfig(), "keyexp");
  const client = testClient();
  const operator = await startOperator(t, ns);
  const [needed, spare] = [newSigningKey(), newSigningKey()];
  // Threshold 1, signed by `needed` only: the bundle depends on it; `spare` signed nothing.
  await applyObject(client, ResourceTypes.secret, {
    metadata: { name: "signers", namespace: ns },
    stringData: {
      "needed.pub": needed.publicKey.pem,
      "spare.pub": spare.publicKey.pem,
      "trust.json": JSON.stringify({
        keys: {
          [needed.publicKey.keyId]: { notAfter: NOT_AFTER },
          [spare.publicKey.keyId]: { notAfter: NOT_AFTER },
        },
      }),
    },
  });
  const bundle = await makeBundle(t, { key: needed });
  await applyPolicyBundle(client, ns, "loan", bundle.dir, "signers");
  await verifiedState(client, ns, "loan", "True");
  const lines = await eventually("the operator to export the keys", async () => {
    const found = await scrape(operator.metricsUrl ?? "");
    return found.length === 2 ? found : undefined;
  });
  const labels = (keyId: string, inUse: boolean): string =>
    `{namespace="${ns}",policy_bundle="loan",key_id="${keyId}",in_use="${String(inUse)}"} ${SECONDS}`;
  assert.deepEqual(
    lines.sort(),
    [
      `parmana_trusted_key_not_after_timestamp_seconds${labels(needed.publicKey.keyId, true)}`,
      `parmana_trusted_key_not_after_timestamp_seconds${labels(spare.publicKey.keyId, false)}`,
    ].sort(),
  );
});

test("trusted-key expiry: the server exports its trusted keys' expiry and whether its active bundles need them", async (t) => {
  const files = await writeServerFiles(t);
  const pem = await readFile(join(files.trustedKeysDir, "bundle-signer.pub"), "utf8");
  const keyId = parsePublicKey(pem).keyId;
  await writeFile(
    join(files.trustedKeysDir, "trust.json"),
    JSON.stringify({ keys: { [keyId]: { notAfter: NOT_AFTER } } }),
  );
  const s = await startTestServer(t, { files });
  assert.deepEqual(await scrape(s.server.metricsUrl), [
    `parmana_trusted_key_not_after_timestamp_seconds{key_id="${keyId}",in_use="true"} ${SECONDS}`,
  ]);
});
