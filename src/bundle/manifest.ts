// The bundle manifest: what files a bundle holds and their hashes, which policy and revision it is, and
// bundle_hash, the hash of the whole manifest with bundle_hash itself blanked.
import { canonicalHash, canonicalize, sha256Tagged } from "../crypto/index.ts";

export const MANIFEST_FILE = "bundle.manifest.json";
export const SIGNATURE_FILE = "bundle.sig";
export const POLICY_FILE = "policy.json";

export interface Artifact {
  readonly path: string;
  readonly hash: string;
}

export interface BundleManifest {
  readonly manifest_version: "1";
  readonly policy_id: string;
  readonly policy_version: string;
  readonly revision: number;
  readonly issued_at: string;
  readonly artifacts: readonly Artifact[];
  readonly runtime_requirements: { readonly supported_schema_versions: readonly string[] };
  readonly bundle_hash: string;
}

/** The hash an artifact is recorded with: `.json` over its canonical form, others over bytes with CRLF→LF. */
export function artifactHash(path: string, bytes: Uint8Array): string {
  if (path.endsWith(".json")) {
    const text = Buffer.from(bytes).toString("utf8");
    return sha256Tagged(canonicalize(JSON.parse(text) as unknown));
  }
  return sha256Tagged(normaliseLineEndings(bytes));
}

function normaliseLineEndings(bytes: Uint8Array): Buffer {
  const buffer = Buffer.from(bytes);
  if (!buffer.includes(0x0d)) return buffer;
  return Buffer.from(buffer.toString("latin1").replaceAll("\r\n", "\n"), "latin1");
}

export function computeBundleHash(
  manifest: Omit<BundleManifest, "bundle_hash"> & { bundle_hash?: string },
): string {
  return canonicalHash({ ...manifest, bundle_hash: "" });
}

/** `sha256:` of the canonical manifest as written (bundle_hash included). */
export function computeManifestHash(manifest: BundleManifest): string {
  return canonicalHash(manifest);
}

export interface ManifestInput {
  readonly policyId: string;
  readonly policyVersion: string;
  readonly revision: number;
  readonly issuedAt: Date;
  /** Every file of the bundle except the manifest and signature, by relative path. */
  readonly files: ReadonlyMap<string, Uint8Array>;
  readonly supportedSchemaVersions: readonly string[];
}

export function buildManifest(input: ManifestInput): BundleManifest {
  const artifacts = [...input.files.entries()]
    .filter(([path]) => path !== MANIFEST_FILE && path !== SIGNATURE_FILE)
    .map(([path, bytes]) => ({ path, hash: artifactHash(path, bytes) }))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const unsigned = {
    manifest_version: "1" as const,
    policy_id: input.policyId,
    policy_version: input.policyVersion,
    revision: input.revision,
    issued_at: input.issuedAt.toISOString().replace(/\.\d{3}Z$/, "Z"),
    artifacts,
    runtime_requirements: { supported_schema_versions: [...input.supportedSchemaVersions] },
  };
  return { ...unsigned, bundle_hash: computeBundleHash(unsigned) };
}
