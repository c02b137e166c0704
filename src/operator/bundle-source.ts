// Where a PolicyBundle's files and trusted keys come from (inline, a ConfigMap, the trust Secret), and the one
// verification the operator runs on them: the same verifyBundleFiles the CLI and the server use.
import {
  MANIFEST_FILE,
  SIGNATURE_FILE,
  TrustConfigError,
  trustSetFromFiles,
  verifyBundleFiles,
  type BundleVerification,
  type TrustSet,
} from "../bundle/index.ts";
import type { KubeObject } from "./kube.ts";
import type { PolicyBundle } from "./schema.ts";

export interface ConfigMapObject extends KubeObject {
  data?: Record<string, string>;
  binaryData?: Record<string, string>;
}

export interface SecretObject extends KubeObject {
  data?: Record<string, string>;
}

export interface ObjectLookup {
  configMap(namespace: string, name: string): ConfigMapObject | undefined;
  secret(namespace: string, name: string): SecretObject | undefined;
}

/** Why the operator could not even try to verify (a person must create or fix something). */
export const SourceFailureReason = {
  configMapMissing: "CONFIGMAP_MISSING",
  trustSecretMissing: "TRUST_SECRET_MISSING",
  trustInvalid: "TRUST_INVALID",
} as const;

export type OperatorVerification =
  | BundleVerification
  | { readonly ok: false; readonly reason: string; readonly message: string; readonly file?: string };

export function secretFiles(secret: SecretObject): Map<string, Uint8Array> {
  return new Map(Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, "base64")]));
}

export function bundleFiles(bundle: PolicyBundle, lookup: ObjectLookup): Map<string, Uint8Array> | string {
  const { inline, configMapRef } = bundle.spec.source;
  const files = new Map<string, Uint8Array>();
  if (inline) {
    for (const [name, text] of Object.entries(inline.files)) files.set(name, Buffer.from(text, "utf8"));
    files.set(MANIFEST_FILE, Buffer.from(inline.manifest, "utf8"));
    files.set(SIGNATURE_FILE, Buffer.from(inline.signature, "utf8"));
    return files;
  }
  const name = configMapRef?.name ?? "";
  const cm = lookup.configMap(bundle.metadata.namespace, name);
  if (!cm) return name;
  for (const [key, text] of Object.entries(cm.data ?? {})) files.set(key, Buffer.from(text, "utf8"));
  for (const [key, b64] of Object.entries(cm.binaryData ?? {})) files.set(key, Buffer.from(b64, "base64"));
  return files;
}

export function bundleTrust(
  bundle: PolicyBundle,
  lookup: ObjectLookup,
): TrustSet | { reason: string; message: string } {
  const name = bundle.spec.trust.secretRef.name;
  const secret = lookup.secret(bundle.metadata.namespace, name);
  if (!secret)
    return {
      reason: SourceFailureReason.trustSecretMissing,
      message: `the trust Secret ${name} does not exist in namespace ${bundle.metadata.namespace}; create it with the signers' *.pub keys`,
    };
  try {
    return trustSetFromFiles(secretFiles(secret), bundle.spec.trust.threshold ?? 1);
  } catch (error) {
    if (error instanceof TrustConfigError || error instanceof Error)
      return { reason: SourceFailureReason.trustInvalid, message: `trust Secret ${name}: ${error.message}` };
    throw error;
  }
}

/** Reads and verifies a PolicyBundle as it is now; `highestAcceptedRevision` detects rollback. */
export function verifyPolicyBundle(
  bundle: PolicyBundle,
  lookup: ObjectLookup,
  highestAcceptedRevision: number | undefined,
): OperatorVerification {
  const files = bundleFiles(bundle, lookup);
  if (typeof files === "string")
    return {
      ok: false,
      reason: SourceFailureReason.configMapMissing,
      message: `the ConfigMap ${files} named by spec.source.configMapRef does not exist in namespace ${bundle.metadata.namespace}`,
    };
  const trust = bundleTrust(bundle, lookup);
  if ("reason" in trust) return { ok: false, ...trust };
  return verifyBundleFiles(files, {
    trust,
    ...(highestAcceptedRevision !== undefined && { highestAcceptedRevision }),
    allowRollback: bundle.spec.allowRollback ?? false,
    expect: { policyId: bundle.spec.policyId, policyVersion: bundle.spec.policyVersion },
  });
}
