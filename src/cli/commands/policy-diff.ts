// parmana policy diff OLD_DIR NEW_DIR [--json]
// The exact semantic diff of two policy versions: every region of the inputs both accept where the outcome
// changes (with a witness), rules that can never decide, and how the signals changed. Exit 0 when the two
// decide the same on every shared input and declare the same signals, 1 when anything changed, 2 on usage
// or input errors.
import { parseArgs } from "node:util";
import { compileBundlePolicy } from "../../bundle/index.ts";
import {
  DiffTooComplexError,
  diffPolicies,
  formatDiagnostic,
  formatDiff,
  type CompiledPolicy,
} from "../../policy/index.ts";
import { ExitCode, UsageError, printJson, type CliIo } from "../io.ts";

async function load(dir: string): Promise<CompiledPolicy> {
  const compiled = await compileBundlePolicy(dir);
  if (!compiled.compiled)
    throw new UsageError(
      `${dir}: the policy does not compile\n${compiled.diagnostics.map(formatDiagnostic).join("\n")}`,
    );
  return compiled.compiled;
}

export async function policyDiffCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: { json: { type: "boolean", default: false } },
  });
  const [oldDir, newDir, extra] = positionals;
  if (oldDir === undefined || newDir === undefined || extra !== undefined)
    throw new UsageError("policy diff takes two directories: OLD_DIR NEW_DIR");
  const older = await load(oldDir);
  const newer = await load(newDir);
  let diff;
  try {
    diff = diffPolicies(older, newer);
  } catch (error) {
    if (error instanceof DiffTooComplexError) throw new UsageError(error.message);
    throw error;
  }
  if (values.json) printJson(io, diff);
  else for (const line of formatDiff(diff)) io.out(line);
  const s = diff.signals;
  const changed =
    diff.changes.length > 0 ||
    !diff.sharedInputs ||
    s.added.length + s.removed.length + s.retyped.length + s.constrained.length > 0;
  return changed ? ExitCode.failed : ExitCode.ok;
}
