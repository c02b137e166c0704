// parmana verify bundle DIR --trusted-keys DIR | verify attestation FILE --trusted-keys DIR
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import {
  BundleReadError,
  verifyBundleDirectory,
  type BundleVerification,
  type TrustSet,
} from "../../bundle/index.ts";
import { verifyAttestation, type Attestation } from "../../attest/index.ts";
import { ExitCode, UsageError, printJson, type CliIo } from "../io.ts";
import { loadTrust } from "./load.ts";

export const VERIFY_USAGE = `Usage:
  parmana verify bundle DIR --trusted-keys KEYDIR [--threshold N] [--min-revision N] [--json]
  parmana verify attestation FILE --trusted-keys KEYDIR [--json]

KEYDIR holds the trusted public keys (*.pub, SPKI PEM) and optionally trust.json.
Exit 0 when valid, 1 when verification fails, 2 on a usage or input error.`;

const MAX_ATTESTATION_BYTES = 64 * 1024;

export async function verifyCommand(args: readonly string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  const { values, positionals } = parseArgs({
    args: [...rest],
    allowPositionals: true,
    options: {
      "trusted-keys": { type: "string" },
      threshold: { type: "string" },
      "min-revision": { type: "string" },
      json: { type: "boolean", default: false },
    },
  });
  const [target, extra] = positionals;
  if (target === undefined || extra !== undefined)
    throw new UsageError(`verify ${sub ?? ""} takes exactly one path`);
  const trust = await loadTrust(values["trusted-keys"], values.threshold);
  if (sub === "bundle") return verifyBundleAt(target, trust, values["min-revision"], values.json, io);
  if (sub === "attestation")
    return verifyAttestationFile(
      target,
      trust.keys.map((k) => k.key),
      values.json,
      io,
    );
  throw new UsageError(
    sub === undefined
      ? "verify needs a subcommand: bundle or attestation"
      : `unknown verify subcommand '${sub}'`,
  );
}

async function verifyBundleAt(
  dir: string,
  trust: TrustSet,
  minRevisionText: string | undefined,
  json: boolean,
  io: CliIo,
): Promise<number> {
  const minRevision = minRevisionText === undefined ? undefined : Number(minRevisionText);
  if (minRevision !== undefined && !Number.isSafeInteger(minRevision)) {
    throw new UsageError("--min-revision must be a whole number");
  }
  let result: BundleVerification;
  try {
    result = await verifyBundleDirectory(dir, {
      trust,
      ...(minRevision !== undefined && { highestAcceptedRevision: minRevision }),
    });
  } catch (error) {
    if (error instanceof BundleReadError) throw new UsageError(error.message);
    throw error;
  }
  if (json) {
    printJson(
      io,
      result.ok
        ? { valid: true, ...summary(result.bundle) }
        : { valid: false, reason: result.reason, message: result.message, file: result.file ?? null },
    );
  } else if (result.ok) {
    const b = result.bundle;
    io.out(`valid: ${b.policyId} ${b.policyVersion} revision ${String(b.revision)}`);
    io.out(`bundle hash: ${b.bundleHash}`);
    io.out(`signed by:   ${b.signerKeyIds.join(", ")}`);
  } else {
    io.err(`INVALID (${result.reason}): ${result.message}`);
  }
  return result.ok ? ExitCode.ok : ExitCode.failed;
}

function summary(bundle: {
  policyId: string;
  policyVersion: string;
  revision: number;
  bundleHash: string;
  manifestHash: string;
  signerKeyIds: readonly string[];
}): Record<string, unknown> {
  const { policyId, policyVersion, revision, bundleHash, manifestHash, signerKeyIds } = bundle;
  return { policyId, policyVersion, revision, bundleHash, manifestHash, signerKeyIds };
}

async function verifyAttestationFile(
  file: string,
  keys: Parameters<typeof verifyAttestation>[1],
  json: boolean,
  io: CliIo,
): Promise<number> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    throw new UsageError(`cannot read ${file}`);
  }
  if (text.length > MAX_ATTESTATION_BYTES)
    throw new UsageError(`${file} is larger than ${String(MAX_ATTESTATION_BYTES)} bytes`);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new UsageError(`${file} is not JSON`);
  }
  // Accept the attestation itself, or a response body that wraps it.
  const candidate = (doc as { attestation?: unknown } | null)?.attestation ?? doc;
  const result = verifyAttestation(candidate, keys);
  if (json) printJson(io, result);
  else if (result.valid) {
    const { executionId, batch } = candidate as Attestation;
    const position = batch
      ? ` (batch-signed: leaf ${String(batch.leafIndex)} of ${String(batch.treeSize)})`
      : "";
    io.out(`valid: attestation ${executionId} signed by ${result.signerKeyId ?? ""}${position}`);
  } else io.err(`INVALID: ${result.reason ?? "verification failed"}`);
  return result.valid ? ExitCode.ok : ExitCode.failed;
}
