// deploy/samples/: the example signed bundle (deploy/examples) as a PolicyBundle with its trust Secret, and a
// GovernanceServer serving it. `npm run gen:samples` writes them; a unit test fails when they are stale.
import { readFileSync, readdirSync } from "node:fs";
import { stringify } from "yaml";
import { API_VERSION } from "./schema.ts";

const EXAMPLES = new URL("../../deploy/examples/", import.meta.url);
const HEADER = "# Generated from deploy/examples by `npm run gen:samples`; do not edit.\n";

function exampleFiles(): Record<string, string> {
  const dir = new URL("policies/loan-approval/1.2.0/", EXAMPLES);
  return Object.fromEntries(
    readdirSync(dir)
      .sort()
      .map((f) => [f, readFileSync(new URL(f, dir), "utf8")]),
  );
}

export function renderSampleFiles(): Record<string, string> {
  const { "bundle.manifest.json": manifest = "", "bundle.sig": signature = "", ...files } = exampleFiles();
  const trust = {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "policy-signers", namespace: "risk" },
    type: "Opaque",
    stringData: { "example-signer.pub": readFileSync(new URL("keys/example-signer.pub", EXAMPLES), "utf8") },
  };
  const bundle = {
    apiVersion: API_VERSION,
    kind: "PolicyBundle",
    metadata: { name: "loan-approval-1-2-0", namespace: "risk", labels: { team: "risk" } },
    spec: {
      policyId: "loan-approval",
      policyVersion: "1.2.0",
      source: { inline: { files, manifest, signature } },
      trust: { secretRef: { name: "policy-signers" }, threshold: 1 },
    },
  };
  const server = {
    apiVersion: API_VERSION,
    kind: "GovernanceServer",
    metadata: { name: "risk-gov", namespace: "risk" },
    spec: {
      replicas: 2,
      bundleSelector: { matchLabels: { team: "risk" } },
      redis: { urlSecretRef: { name: "redis", key: "url" } },
      audit: { databaseUrlSecretRef: { name: "audit-db", key: "url" }, required: true },
      signingKeySecretRef: { name: "attestation-signer" },
      apiKeysSecretRef: { name: "gov-api-keys" },
      rateLimits: { executePerMinute: 600 },
      export: {
        kafka: {
          brokers: ["kafka.kafka:9092"],
          topic: "parmana.security-events",
          format: "ocsf",
          minSeverity: "medium",
        },
      },
    },
  };
  const doc = (o: unknown): string => HEADER + stringify(o, { lineWidth: 0 });
  return {
    "policybundle.yaml": `${doc(trust)}---\n${stringify(bundle, { lineWidth: 0 })}`,
    "governanceserver.yaml": doc(server),
  };
}
