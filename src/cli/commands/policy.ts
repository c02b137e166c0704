// parmana policy compile|build|sign DIR
import { parseArgs } from "node:util";
import { SuiteFormatError, formatDiagnostic, type PolicyDiagnostic } from "../../policy/index.ts";
import {
  BundleReadError,
  BundleStateError,
  PolicyCompileError,
  PolicyTestFailure,
  buildBundleDirectory,
  compileBundlePolicy,
  cosignBundleDirectory,
} from "../../bundle/index.ts";
import { ExitCode, UsageError, printJson, type CliIo } from "../io.ts";
import { loadSigningKeyFile } from "./load.ts";

export const POLICY_USAGE = `Usage:
  parmana policy compile DIR [--json]            check DIR/policy.json (POL-xxx errors and warnings)
  parmana policy test DIR... [--threshold PCT] [--format text|json|junit] [--out FILE]
                                                 run DIR/tests/*.test.json|yaml, with rule and branch coverage
  parmana policy eval DIR --signals FILE [--explain] [--json]
                                                 what the policy decides for FILE's signals, and why
  parmana policy diff OLD_DIR NEW_DIR [--json]   every region of inputs whose outcome changes (exact), with a
                                                 witness; unreachable rules; signal changes (exit 1 if any)
  parmana policy build DIR --key KEY [--revision N] [--issued-at RFC3339] [--skip-tests] [--json]
                                                 compile, run the suites, write the manifest with the next
                                                 revision, sign (a failing suite refuses to sign)
  parmana policy sign DIR --key KEY [--json]     add KEY's signature to a built bundle

DIR is policies/<policyId>/<policyVersion>/; its names must match policy.json.
policy test exits 0 when every case passes and rule and branch coverage are both at least --threshold
(default 0), 1 otherwise, 2 on usage or input errors.`;

function report(io: CliIo, diagnostics: readonly PolicyDiagnostic[]): void {
  for (const d of diagnostics) io.err(formatDiagnostic(d));
}

export async function policyCommand(args: readonly string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === "test") return (await import("./policy-test.ts")).policyTestCommand(rest, io);
  if (sub === "eval") return (await import("./policy-eval.ts")).policyEvalCommand(rest, io);
  if (sub === "diff") return (await import("./policy-diff.ts")).policyDiffCommand(rest, io);
  const { values, positionals } = parseArgs({
    args: [...rest],
    allowPositionals: true,
    options: {
      key: { type: "string" },
      revision: { type: "string" },
      "issued-at": { type: "string" },
      "skip-tests": { type: "boolean", default: false },
      json: { type: "boolean", default: false },
    },
  });
  const [dir, extra] = positionals;
  if (dir === undefined || extra !== undefined)
    throw new UsageError(`policy ${sub ?? ""} takes exactly one directory`);
  try {
    switch (sub) {
      case "compile":
        return await compile(dir, values.json, io);
      case "build":
        return await build(dir, values, io);
      case "sign": {
        const manifest = await cosignBundleDirectory(dir, await loadSigningKeyFile(values.key));
        if (values.json)
          printJson(io, { signed: true, bundleHash: manifest.bundle_hash, revision: manifest.revision });
        else
          io.out(
            `signed ${manifest.policy_id} ${manifest.policy_version} revision ${String(manifest.revision)}`,
          );
        return ExitCode.ok;
      }
      default:
        throw new UsageError(
          sub === undefined
            ? "policy needs a subcommand: compile, test, eval, diff, build or sign"
            : `unknown policy subcommand '${sub}'`,
        );
    }
  } catch (error) {
    return failure(error, dir, io);
  }
}

/** A build or compile that failed on the policy or its tests is exit 1; a bundle that cannot be read, 2. */
function failure(error: unknown, dir: string, io: CliIo): number {
  if (error instanceof PolicyCompileError) {
    report(io, error.diagnostics);
    return ExitCode.failed;
  }
  if (error instanceof PolicyTestFailure) {
    for (const c of error.report.cases.filter((x) => !x.passed))
      io.err(`✗ ${c.suite}: ${c.name} — ${c.failure ?? ""}`);
    io.err(`${error.message} (run 'parmana policy test ${dir}'; --skip-tests signs anyway)`);
    return ExitCode.failed;
  }
  if (error instanceof SuiteFormatError) throw new UsageError(error.message);
  if (error instanceof BundleReadError || error instanceof BundleStateError)
    throw new UsageError(error.message);
  throw error;
}

async function compile(dir: string, json: boolean, io: CliIo): Promise<number> {
  const { diagnostics, ok } = await compileBundlePolicy(dir);
  if (json) printJson(io, { ok, diagnostics });
  else {
    report(io, diagnostics);
    if (ok)
      io.out(
        `ok: ${dir}/policy.json compiles${diagnostics.length > 0 ? ` with ${String(diagnostics.length)} warning(s)` : ""}`,
      );
  }
  return ok ? ExitCode.ok : ExitCode.failed;
}

interface BuildValues {
  readonly key?: string;
  readonly revision?: string;
  readonly "issued-at"?: string;
  readonly "skip-tests": boolean;
  readonly json: boolean;
}

async function build(dir: string, values: BuildValues, io: CliIo): Promise<number> {
  const key = await loadSigningKeyFile(values.key);
  const revision = values.revision === undefined ? undefined : Number(values.revision);
  if (revision !== undefined && (!Number.isSafeInteger(revision) || revision < 1))
    throw new UsageError("--revision must be a whole number ≥ 1");
  const issuedAt = values["issued-at"] === undefined ? undefined : new Date(values["issued-at"]);
  if (issuedAt !== undefined && Number.isNaN(issuedAt.getTime()))
    throw new UsageError("--issued-at must be an RFC 3339 time");
  const manifest = await buildBundleDirectory(dir, key, {
    ...(revision !== undefined && { revision }),
    ...(issuedAt !== undefined && { now: issuedAt }),
    skipTests: values["skip-tests"],
  });
  if (values.json) {
    printJson(io, {
      policyId: manifest.policy_id,
      policyVersion: manifest.policy_version,
      revision: manifest.revision,
      bundleHash: manifest.bundle_hash,
      signerKeyId: key.keyId,
    });
  } else {
    io.out(`built ${manifest.policy_id} ${manifest.policy_version} revision ${String(manifest.revision)}`);
    io.out(`bundle hash: ${manifest.bundle_hash}`);
    io.out(`signed by:   ${key.keyId}`);
  }
  return ExitCode.ok;
}
