// Policy bundles: manifest, multi-signature bundle.sig, trust sets, and one verification for everyone.
export {
  MANIFEST_FILE,
  SIGNATURE_FILE,
  POLICY_FILE,
  artifactHash,
  buildManifest,
  computeBundleHash,
  computeManifestHash,
  type Artifact,
  type BundleManifest,
  type ManifestInput,
} from "./manifest.ts";
export {
  parseSignatureFile,
  serializeSignatureFile,
  signManifest,
  addSignature,
  SignatureFileError,
  type BundleSignature,
} from "./signature.ts";
export {
  createTrustSet,
  findTrustedKey,
  keyStanding,
  type TrustSet,
  type TrustedKey,
  type KeyStanding,
} from "./trust.ts";
export { trustSetFromFiles, TrustConfigError, TRUST_METADATA_FILE } from "./trust-files.ts";
export { keyExpiries, type KeyExpiry } from "./key-expiry.ts";
export {
  verifyBundleFiles,
  isSafeBundlePath,
  BundleFailureReason,
  type BundleVerification,
  type VerifiedBundle,
  type VerifyBundleOptions,
} from "./verify.ts";
export {
  readBundleDirectory,
  verifyBundleDirectory,
  writeManifest,
  writeSignatures,
  loadTrustDirectory,
  BundleReadError,
  BundlePathEscape,
  DEFAULT_BUNDLE_LIMITS,
  type BundleReadLimits,
} from "./files.ts";
export {
  buildBundleDirectory,
  cosignBundleDirectory,
  compileBundlePolicy,
  nextRevision,
  bundleLayout,
  PolicyCompileError,
  PolicyTestFailure,
  BundleStateError,
  type BuildOptions,
} from "./build.ts";
export { suitesOf, SUITES_DIR } from "./suites.ts";
