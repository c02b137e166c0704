// Building and co-signing bundle directories (the CLI's `policy build` and `policy sign`): compile the
// policy, write the manifest with the next revision, sign. Files are written atomically.
import { readFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { readdir } from "node:fs/promises";
import type { SigningKey } from "../crypto/index.ts";
import {
  PolicyErrorCode,
  SUPPORTED_SCHEMA_VERSIONS,
  compilePolicyText,
  runSuites,
  type CompiledPolicy,
  type PolicyDiagnostic,
  type SuiteReport,
} from "../policy/index.ts";
import { suitesOf } from "./suites.ts";
import { readBundleDirectory, writeManifest, writeSignatures } from "./files.ts";
import {
  MANIFEST_FILE,
  POLICY_FILE,
  SIGNATURE_FILE,
  buildManifest,
  type BundleManifest,
} from "./manifest.ts";
import { addSignature, parseSignatureFile, signManifest } from "./signature.ts";

/** The policy in a bundle directory does not compile; `diagnostics` says where and how to fix it. */
export class PolicyCompileError extends Error {
  readonly diagnostics: readonly PolicyDiagnostic[];

  constructor(diagnostics: readonly PolicyDiagnostic[]) {
    super(`the policy has ${String(diagnostics.filter((d) => d.severity === "error").length)} error(s)`);
    this.name = "PolicyCompileError";
    this.diagnostics = diagnostics;
  }
}

/** A policy test suite of the bundle failed, so `policy build` did not sign. */
export class PolicyTestFailure extends Error {
  readonly report: SuiteReport;

  constructor(report: SuiteReport) {
    super(
      `${String(report.failed)} of ${String(report.cases.length)} policy test case(s) failed; the bundle was not signed`,
    );
    this.name = "PolicyTestFailure";
    this.report = report;
  }
}

/** A bundle directory is not in a state the operation can work with (e.g. signing an unbuilt bundle). */
export class BundleStateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BundleStateError";
  }
}

/** The layout is `<root>/<policyId>/<policyVersion>/`: the directory names say what the policy must be. */
export function bundleLayout(dir: string): { policyId: string; policyVersion: string; policyDir: string } {
  const policyDir = dirname(dir);
  return { policyId: basename(policyDir), policyVersion: basename(dir), policyDir };
}

/** Compiles `<dir>/policy.json` against its layout; POL-001 when there is none. */
export async function compileBundlePolicy(
  dir: string,
): Promise<{ diagnostics: readonly PolicyDiagnostic[]; ok: boolean; compiled?: CompiledPolicy }> {
  const { policyId, policyVersion } = bundleLayout(dir);
  const file = join(dir, POLICY_FILE);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    const missing: PolicyDiagnostic = {
      code: PolicyErrorCode.noPolicyFile,
      severity: "error",
      file,
      path: "$",
      message: "there is no policy.json in this directory",
      fix: `create ${file}, or point at the directory policies/<policyId>/<policyVersion>/ that holds it`,
    };
    return { diagnostics: [missing], ok: false };
  }
  const result = compilePolicyText(text, {
    file,
    expectedPolicyId: policyId,
    expectedPolicyVersion: policyVersion,
  });
  return {
    diagnostics: result.diagnostics,
    ok: result.compiled !== undefined,
    ...(result.compiled && { compiled: result.compiled }),
  };
}

async function readManifestRevision(dir: string): Promise<number> {
  try {
    const manifest = JSON.parse(await readFile(join(dir, MANIFEST_FILE), "utf8")) as { revision?: unknown };
    return Number.isSafeInteger(manifest.revision) ? (manifest.revision as number) : 0;
  } catch {
    return 0;
  }
}

/** The next revision for a policy: one more than the highest of any of its versions' manifests. */
export async function nextRevision(policyDir: string): Promise<number> {
  let versions: string[];
  try {
    versions = (await readdir(policyDir, { withFileTypes: true }))
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
  } catch {
    return 1;
  }
  const revisions = await Promise.all(versions.map((v) => readManifestRevision(join(policyDir, v))));
  return Math.max(0, ...revisions) + 1;
}

export interface BuildOptions {
  readonly now?: Date;
  /** Overrides the computed next revision. */
  readonly revision?: number;
  /** Sign even though a test suite fails (or cannot be read). */
  readonly skipTests?: boolean;
}

/** Compiles, writes the manifest with the next revision, and signs with `key` (replacing older signatures). */
export async function buildBundleDirectory(
  dir: string,
  key: SigningKey,
  options: BuildOptions = {},
): Promise<BundleManifest> {
  const compiled = await compileBundlePolicy(dir);
  if (!compiled.ok || !compiled.compiled) throw new PolicyCompileError(compiled.diagnostics);
  const { policyId, policyVersion, policyDir } = bundleLayout(dir);
  const files = await readBundleDirectory(dir);
  files.delete(MANIFEST_FILE);
  files.delete(SIGNATURE_FILE);
  // The suites as they will be signed: the files just read.
  if (options.skipTests !== true) {
    const report = runSuites(compiled.compiled, suitesOf(files));
    if (report.failed > 0) throw new PolicyTestFailure(report);
  }
  const manifest = buildManifest({
    policyId,
    policyVersion,
    revision: options.revision ?? (await nextRevision(policyDir)),
    issuedAt: options.now ?? new Date(),
    files,
    supportedSchemaVersions: SUPPORTED_SCHEMA_VERSIONS,
  });
  await writeManifest(dir, manifest);
  await writeSignatures(dir, [signManifest(manifest, key)]);
  return manifest;
}

/** Adds `key`'s signature to a built bundle, after checking the files still match the manifest. */
export async function cosignBundleDirectory(dir: string, key: SigningKey): Promise<BundleManifest> {
  const files = await readBundleDirectory(dir);
  const manifestBytes = files.get(MANIFEST_FILE);
  if (!manifestBytes)
    throw new BundleStateError(`${dir} has no ${MANIFEST_FILE}: run 'parmana policy build' first`);
  const manifest = JSON.parse(manifestBytes.toString("utf8")) as BundleManifest;
  files.delete(MANIFEST_FILE);
  const existing = files.get(SIGNATURE_FILE);
  files.delete(SIGNATURE_FILE);
  const rebuilt = buildManifest({
    policyId: manifest.policy_id,
    policyVersion: manifest.policy_version,
    revision: manifest.revision,
    issuedAt: new Date(manifest.issued_at),
    files,
    supportedSchemaVersions: manifest.runtime_requirements.supported_schema_versions,
  });
  if (rebuilt.bundle_hash !== manifest.bundle_hash) {
    throw new BundleStateError(
      `the files in ${dir} no longer match its manifest; refusing to sign (rebuild it)`,
    );
  }
  const signatures = existing ? parseSignatureFile(existing.toString("utf8")) : [];
  if (signatures.some((s) => s.keyId === undefined)) {
    throw new BundleStateError(
      `${dir} has an old single-signature bundle.sig that names no key: rebuild it with 'parmana policy build'`,
    );
  }
  await writeSignatures(dir, addSignature(signatures, manifest, key));
  return manifest;
}
