// One bundle verification, used by the CLI, the operator and the server alike. It works on the bundle's files
// in memory (read from a directory, a ConfigMap or an inline spec), fails closed, and says why with a stable
// reason code and a message a person can act on.
import { SigningDomain, sameHash, signingMessage, verifyMessage } from "../crypto/index.ts";
import {
  SUPPORTED_SCHEMA_VERSIONS,
  compilePolicyText,
  formatDiagnostic,
  type CompiledPolicy,
} from "../policy/index.ts";
import {
  MANIFEST_FILE,
  POLICY_FILE,
  SIGNATURE_FILE,
  artifactHash,
  computeBundleHash,
  computeManifestHash,
  type BundleManifest,
} from "./manifest.ts";
import { SignatureFileError, parseSignatureFile, type BundleSignature } from "./signature.ts";
import { findTrustedKey, keyStanding, type KeyStanding, type TrustSet } from "./trust.ts";

export const BundleFailureReason = {
  manifestMissing: "MANIFEST_MISSING",
  manifestInvalid: "MANIFEST_INVALID",
  signatureMissing: "SIGNATURE_MISSING",
  untrustedKey: "UNTRUSTED_KEY",
  badSignature: "BAD_SIGNATURE",
  hashMismatch: "HASH_MISMATCH",
  extraFile: "EXTRA_FILE",
  missingFile: "MISSING_FILE",
  keyExpired: "KEY_EXPIRED",
  keyRevoked: "KEY_REVOKED",
  thresholdNotMet: "THRESHOLD_NOT_MET",
  rollback: "ROLLBACK",
  pathEscape: "PATH_ESCAPE",
  policyInvalid: "POLICY_INVALID",
  policyMismatch: "POLICY_MISMATCH",
} as const;
export type BundleFailureReason = (typeof BundleFailureReason)[keyof typeof BundleFailureReason];

export interface VerifiedBundle {
  readonly policyId: string;
  readonly policyVersion: string;
  readonly revision: number;
  readonly issuedAt: string;
  readonly bundleHash: string;
  readonly manifestHash: string;
  readonly signerKeyIds: readonly string[];
  readonly manifest: BundleManifest;
  readonly policy: CompiledPolicy;
}

export type BundleVerification =
  | { readonly ok: true; readonly bundle: VerifiedBundle }
  | {
      readonly ok: false;
      readonly reason: BundleFailureReason;
      readonly message: string;
      readonly file?: string;
    };

export interface VerifyBundleOptions {
  readonly trust: TrustSet;
  /** When signatures are judged against key validity windows; default now. */
  readonly now?: Date;
  /** The highest revision already accepted for this policyId; a lower one is ROLLBACK. */
  readonly highestAcceptedRevision?: number;
  readonly allowRollback?: boolean;
  /** What the bundle must claim to be (from its directory or its custom resource). */
  readonly expect?: { readonly policyId?: string; readonly policyVersion?: string };
}

class BundleRejection extends Error {
  readonly reason: BundleFailureReason;
  readonly file: string | undefined;

  constructor(reason: BundleFailureReason, message: string, file?: string) {
    super(message);
    this.reason = reason;
    this.file = file;
  }
}

const reject = (reason: BundleFailureReason, message: string, file?: string): never => {
  throw new BundleRejection(reason, message, file);
};

const SAFE_SEGMENT = /^(?!\.{1,2}$)[^/\\\0]{1,255}$/;

/** Whether a bundle-relative path stays inside the bundle: relative, `/`-separated, no `.`/`..` segments. */
export function isSafeBundlePath(path: string): boolean {
  return (
    path.length > 0 &&
    path.length <= 1024 &&
    !path.startsWith("/") &&
    path.split("/").every((s) => SAFE_SEGMENT.test(s))
  );
}

function text(files: ReadonlyMap<string, Uint8Array>, path: string): string | undefined {
  const bytes = files.get(path);
  return bytes === undefined ? undefined : Buffer.from(bytes).toString("utf8");
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function hasManifestIdentity(m: Record<string, unknown>): boolean {
  return (
    m["manifest_version"] === "1" &&
    typeof m["policy_id"] === "string" &&
    typeof m["policy_version"] === "string" &&
    Number.isSafeInteger(m["revision"]) &&
    (m["revision"] as number) >= 1 &&
    typeof m["issued_at"] === "string" &&
    !Number.isNaN(Date.parse(m["issued_at"])) &&
    typeof m["bundle_hash"] === "string"
  );
}

function isManifestShaped(doc: unknown): doc is BundleManifest {
  if (!isObject(doc) || !hasManifestIdentity(doc)) return false;
  const { artifacts, runtime_requirements: runtime } = doc;
  return (
    Array.isArray(artifacts) &&
    artifacts.every(
      (a: unknown) => isObject(a) && typeof a["path"] === "string" && typeof a["hash"] === "string",
    ) &&
    isObject(runtime) &&
    Array.isArray(runtime["supported_schema_versions"]) &&
    runtime["supported_schema_versions"].every((v: unknown) => typeof v === "string")
  );
}

function parseManifest(files: ReadonlyMap<string, Uint8Array>): BundleManifest {
  const raw =
    text(files, MANIFEST_FILE) ??
    reject(BundleFailureReason.manifestMissing, `${MANIFEST_FILE} is missing`, MANIFEST_FILE);
  let doc: unknown;
  try {
    doc = JSON.parse(raw);
  } catch {
    return reject(BundleFailureReason.manifestInvalid, `${MANIFEST_FILE} is not valid JSON`, MANIFEST_FILE);
  }
  if (isManifestShaped(doc)) return doc;
  return reject(
    BundleFailureReason.manifestInvalid,
    `${MANIFEST_FILE} lacks a required field or has one of the wrong type (manifest_version "1", policy_id, policy_version, revision ≥ 1, issued_at, artifacts, runtime_requirements, bundle_hash)`,
    MANIFEST_FILE,
  );
}

function parseSignatures(files: ReadonlyMap<string, Uint8Array>): BundleSignature[] {
  const raw =
    text(files, SIGNATURE_FILE) ??
    reject(
      BundleFailureReason.signatureMissing,
      `${SIGNATURE_FILE} is missing: the bundle is unsigned`,
      SIGNATURE_FILE,
    );
  try {
    return parseSignatureFile(raw);
  } catch (error) {
    return reject(
      BundleFailureReason.badSignature,
      error instanceof SignatureFileError ? error.message : "bundle.sig is unreadable",
      SIGNATURE_FILE,
    );
  }
}

type SignatureVerdict = { readonly keyId?: string; readonly standing: KeyStanding | "bad" };

function judgeSignature(sig: BundleSignature, message: Buffer, trust: TrustSet, now: Date): SignatureVerdict {
  if (sig.keyId === undefined) {
    // The bare form names no key: it is good if any trusted key made it.
    const maker = trust.keys.find((k) => verifyMessage(message, sig.sig, k.key));
    return maker
      ? { keyId: maker.key.keyId, standing: keyStanding(maker, now) }
      : { standing: trust.keys.length > 0 ? "bad" : "untrusted" };
  }
  const trusted = findTrustedKey(trust, sig.keyId);
  if (!trusted) return { keyId: sig.keyId, standing: "untrusted" };
  if (!verifyMessage(message, sig.sig, trusted.key)) return { keyId: sig.keyId, standing: "bad" };
  return { keyId: sig.keyId, standing: keyStanding(trusted, now) };
}

function checkSignatures(
  manifest: BundleManifest,
  signatures: readonly BundleSignature[],
  options: VerifyBundleOptions,
): string[] {
  const message = signingMessage(SigningDomain.bundle, manifest);
  const now = options.now ?? new Date();
  const verdicts = signatures.map((s) => judgeSignature(s, message, options.trust, now));
  const signers = [...new Set(verdicts.filter((v) => v.standing === "valid").map((v) => v.keyId as string))];
  if (signers.length >= options.trust.threshold) return signers.sort();
  const named = (standing: SignatureVerdict["standing"]): string =>
    verdicts
      .filter((v) => v.standing === standing)
      .map((v) => v.keyId ?? "(unnamed)")
      .join(", ");
  if (verdicts.some((v) => v.standing === "bad")) {
    reject(
      BundleFailureReason.badSignature,
      `the signature by ${named("bad")} does not match the manifest: the manifest or the signature was altered`,
      SIGNATURE_FILE,
    );
  }
  if (signers.length > 0) {
    reject(
      BundleFailureReason.thresholdNotMet,
      `${String(signers.length)} of the required ${String(options.trust.threshold)} trusted keys signed (${signers.join(", ")})`,
      SIGNATURE_FILE,
    );
  }
  if (verdicts.some((v) => v.standing === "revoked"))
    reject(
      BundleFailureReason.keyRevoked,
      `signed only by revoked key(s) ${named("revoked")}`,
      SIGNATURE_FILE,
    );
  if (verdicts.some((v) => v.standing === "expired"))
    reject(
      BundleFailureReason.keyExpired,
      `signed only by key(s) outside their validity window: ${named("expired")}`,
      SIGNATURE_FILE,
    );
  return reject(
    BundleFailureReason.untrustedKey,
    `signed only by key(s) that are not trusted: ${named("untrusted")}; add the signer's public key to the trust set or re-sign with a trusted key`,
    SIGNATURE_FILE,
  );
}

function checkIdentity(manifest: BundleManifest, options: VerifyBundleOptions): void {
  if (!sameHash(computeBundleHash(manifest), manifest.bundle_hash)) {
    reject(
      BundleFailureReason.hashMismatch,
      `bundle_hash in ${MANIFEST_FILE} does not match the manifest's content`,
      MANIFEST_FILE,
    );
  }
  const { policyId, policyVersion } = options.expect ?? {};
  if (policyId !== undefined && manifest.policy_id !== policyId) {
    reject(
      BundleFailureReason.policyMismatch,
      `the manifest is for policy "${manifest.policy_id}", expected "${policyId}"`,
      MANIFEST_FILE,
    );
  }
  if (policyVersion !== undefined && manifest.policy_version !== policyVersion) {
    reject(
      BundleFailureReason.policyMismatch,
      `the manifest is for version "${manifest.policy_version}", expected "${policyVersion}"`,
      MANIFEST_FILE,
    );
  }
}

function checkArtifacts(manifest: BundleManifest, files: ReadonlyMap<string, Uint8Array>): void {
  const listed = new Set<string>();
  for (const { path, hash } of manifest.artifacts) {
    if (!isSafeBundlePath(path))
      reject(BundleFailureReason.pathEscape, `artifact path "${path}" escapes the bundle directory`, path);
    if (path === MANIFEST_FILE || path === SIGNATURE_FILE || listed.has(path)) {
      reject(
        BundleFailureReason.manifestInvalid,
        `artifact "${path}" is listed twice or names the manifest or signature`,
        MANIFEST_FILE,
      );
    }
    listed.add(path);
    const bytes =
      files.get(path) ??
      reject(
        BundleFailureReason.missingFile,
        `${path} is listed in the manifest but missing from the bundle`,
        path,
      );
    let actual: string;
    try {
      actual = artifactHash(path, bytes);
    } catch {
      return reject(
        BundleFailureReason.hashMismatch,
        `${path} is not valid JSON, so it cannot match its recorded hash`,
        path,
      );
    }
    if (!sameHash(actual, hash))
      reject(
        BundleFailureReason.hashMismatch,
        `${path} has changed since the bundle was signed (hash ${actual}, manifest says ${hash})`,
        path,
      );
  }
  for (const path of files.keys()) {
    if (path !== MANIFEST_FILE && path !== SIGNATURE_FILE && !listed.has(path)) {
      reject(BundleFailureReason.extraFile, `${path} is in the bundle but not in its signed manifest`, path);
    }
  }
  if (!listed.has(POLICY_FILE))
    reject(BundleFailureReason.missingFile, `the manifest lists no ${POLICY_FILE}`, POLICY_FILE);
}

function compileBundlePolicy(
  manifest: BundleManifest,
  files: ReadonlyMap<string, Uint8Array>,
): CompiledPolicy {
  const result = compilePolicyText(text(files, POLICY_FILE) ?? "", {
    file: POLICY_FILE,
    expectedPolicyId: manifest.policy_id,
    expectedPolicyVersion: manifest.policy_version,
  });
  if (!result.compiled) {
    const first = result.diagnostics.find((d) => d.severity === "error");
    return reject(
      BundleFailureReason.policyInvalid,
      first ? formatDiagnostic(first) : "policy.json does not compile",
      POLICY_FILE,
    );
  }
  if (
    !manifest.runtime_requirements.supported_schema_versions.every((v) =>
      (SUPPORTED_SCHEMA_VERSIONS as readonly string[]).includes(v),
    )
  ) {
    reject(
      BundleFailureReason.policyInvalid,
      `the bundle requires schema versions ${manifest.runtime_requirements.supported_schema_versions.join(", ")}; this runtime supports ${SUPPORTED_SCHEMA_VERSIONS.join(", ")}`,
      MANIFEST_FILE,
    );
  }
  return result.compiled;
}

/**
 * Verifies a bundle's files: the signatures over the manifest against the trust set (threshold, validity
 * windows, revocation), then every artifact's hash, no extra or missing file, the policy compiles, and the
 * revision does not roll back. Succeeds only when every check passes.
 */
export function verifyBundleFiles(
  files: ReadonlyMap<string, Uint8Array>,
  options: VerifyBundleOptions,
): BundleVerification {
  try {
    const manifest = parseManifest(files);
    const signatures = parseSignatures(files);
    const signerKeyIds = checkSignatures(manifest, signatures, options);
    checkIdentity(manifest, options);
    checkArtifacts(manifest, files);
    const policy = compileBundlePolicy(manifest, files);
    const highest = options.highestAcceptedRevision;
    if (highest !== undefined && manifest.revision < highest && options.allowRollback !== true) {
      reject(
        BundleFailureReason.rollback,
        `revision ${String(manifest.revision)} is lower than revision ${String(highest)} already accepted for ${manifest.policy_id}; set allowRollback to accept it`,
        MANIFEST_FILE,
      );
    }
    return {
      ok: true,
      bundle: {
        policyId: manifest.policy_id,
        policyVersion: manifest.policy_version,
        revision: manifest.revision,
        issuedAt: manifest.issued_at,
        bundleHash: manifest.bundle_hash,
        manifestHash: computeManifestHash(manifest),
        signerKeyIds,
        manifest,
        policy,
      },
    };
  } catch (error) {
    if (error instanceof BundleRejection) {
      return {
        ok: false,
        reason: error.reason,
        message: error.message,
        ...(error.file !== undefined && { file: error.file }),
      };
    }
    throw error;
  }
}
