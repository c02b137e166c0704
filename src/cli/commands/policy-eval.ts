// parmana policy eval DIR --signals FILE [--explain] [--json]
// What DIR's policy decides for the signals in FILE (`-` reads standard input), and with --explain why: the
// same trace `POST /evaluate` returns with "explain": true. Exit 0 when a rule decided, 1 when the signals
// are refused or no rule matches, 2 on usage errors.
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { compileBundlePolicy } from "../../bundle/index.ts";
import {
  NO_MATCHING_RULE,
  evaluatePolicy,
  explainPolicy,
  formatDiagnostic,
  formatExplanation,
  validateSignals,
  type Evaluation,
  type Explanation,
} from "../../policy/index.ts";
import { ExitCode, UsageError, printJson, type CliIo } from "../io.ts";

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

async function readSignals(file: string): Promise<unknown> {
  let text: string;
  try {
    text = file === "-" ? await readStdin() : await readFile(file, "utf8");
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${file} is not JSON: ${(error as Error).message}`);
  }
}

export async function policyEvalCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      signals: { type: "string" },
      explain: { type: "boolean", default: false },
      json: { type: "boolean", default: false },
    },
  });
  const [dir, extra] = positionals;
  if (dir === undefined || extra !== undefined)
    throw new UsageError("policy eval takes exactly one directory");
  if (values.signals === undefined) throw new UsageError("policy eval needs --signals FILE (or - for stdin)");
  const compiled = await compileBundlePolicy(dir);
  if (!compiled.compiled)
    throw new UsageError(
      `${dir}: the policy does not compile\n${compiled.diagnostics.map(formatDiagnostic).join("\n")}`,
    );
  const checked = validateSignals(compiled.compiled.policy, await readSignals(values.signals));
  if (!checked.ok) {
    if (values.json) printJson(io, { valid: false, errors: checked.errors });
    else for (const e of checked.errors) io.err(`${e.code}: ${e.message}`);
    return ExitCode.failed;
  }
  const evaluation = evaluatePolicy(compiled.compiled, checked.signals);
  const explanation = values.explain ? explainPolicy(compiled.compiled, checked.signals) : undefined;
  print(io, values.json, evaluation, explanation);
  return evaluation.matched ? ExitCode.ok : ExitCode.failed;
}

function print(io: CliIo, json: boolean, evaluation: Evaluation, explanation: Explanation | undefined): void {
  if (json) {
    printJson(io, {
      valid: true,
      ...(evaluation.matched
        ? {
            matched: true,
            action: evaluation.outcome.action,
            ruleId: evaluation.ruleId,
            requires_override: evaluation.outcome.requires_override,
            reason: evaluation.outcome.reason,
          }
        : { matched: false, error: NO_MATCHING_RULE }),
      ...(explanation && { explanation }),
    });
    return;
  }
  if (explanation) for (const line of formatExplanation(explanation)) io.out(line);
  io.out(
    evaluation.matched
      ? `${evaluation.outcome.action} (rule ${evaluation.ruleId}${evaluation.outcome.requires_override ? ", requires override" : ""}): ${evaluation.outcome.reason}`
      : `${NO_MATCHING_RULE}: no rule matches these signals`,
  );
}
