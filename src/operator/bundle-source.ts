// Where a PolicyBundle's files and trusted keys come from (inline, a ConfigMap, the trust Secret), and the one
// verification the operator runs on them: the same verifyBundleFiles the CLI and the server use.
import {
  MANIFEST_FILE,
  SIGNATURE_FILE,
  trustSetFromFiles,
  verifyBundleFiles,
  type BundleVerification,
  type TrustSet,
} from "../bundle/index.ts";
import type { KubeObject } from "./kube/index.ts";
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

/** What a PolicyBundle is verified from, read once from its source and its trust Secret. */
export interface BundleInputs {
  readonly files: Map<string, Uint8Array>;
  readonly trust: TrustSet;
  /** The trust Secret's *.pub keys, as servers get them. */
  readonly trustKeys: Map<string, Uint8Array>;
}

type SourceFailure = { readonly ok: false; readonly reason: string; readonly message: string };

export function trustOf(
  bundle: PolicyBundle,
  lookup: ObjectLookup,
): { trust: TrustSet; keys: Map<string, Uint8Array> } | SourceFailure {
  const name = bundle.spec.trust.secretRef.name;
  const secret = lookup.secret(bundle.metadata.namespace, name);
  if (!secret)
    return {
      ok: false,
      reason: SourceFailureReason.trustSecretMissing,
      message: `the trust Secret ${name} does not exist in namespace ${bundle.metadata.namespace}; create it with the signers' *.pub keys`,
    };
  const files = secretFiles(secret);
  try {
    return {
      trust: trustSetFromFiles(files, bundle.spec.trust.threshold ?? 1),
      keys: new Map([...files].filter(([k]) => k.endsWith(".pub"))),
    };
  } catch (error) {
    if (error instanceof Error)
      return {
        ok: false,
        reason: SourceFailureReason.trustInvalid,
        message: `trust Secret ${name}: ${error.message}`,
      };
    throw error;
  }
}

/** The bundle's files and trust as they are now, or why they cannot be read. */
export function bundleInputs(bundle: PolicyBundle, lookup: ObjectLookup): BundleInputs | SourceFailure {
  const files = bundleFiles(bundle, lookup);
  if (typeof files === "string")
    return {
      ok: false,
      reason: SourceFailureReason.configMapMissing,
      message: `the ConfigMap ${files} named by spec.source.configMapRef does not exist in namespace ${bundle.metadata.namespace}`,
    };
  const trust = trustOf(bundle, lookup);
  if ("reason" in trust) return trust;
  return { files, trust: trust.trust, trustKeys: trust.keys };
}

/** Verifies inputs read by bundleInputs; `highestAcceptedRevision` detects rollback. */
export function verifyInputs(
  bundle: PolicyBundle,
  inputs: BundleInputs,
  highestAcceptedRevision: number | undefined,
): BundleVerification {
  return verifyBundleFiles(inputs.files, {
    trust: inputs.trust,
    ...(highestAcceptedRevision !== undefined && { highestAcceptedRevision }),
    allowRollback: bundle.spec.allowRollback ?? false,
    expect: { policyId: bundle.spec.policyId, policyVersion: bundle.spec.policyVersion },
  });
}

/** Reads and verifies a PolicyBundle as it is now. */
export function verifyPolicyBundle(
  bundle: PolicyBundle,
  lookup: ObjectLookup,
  highestAcceptedRevision: number | undefined,
): OperatorVerification {
  const inputs = bundleInputs(bundle, lookup);
  return "reason" in inputs ? inputs : verifyInputs(bundle, inputs, highestAcceptedRevision);
}
