// parmana policy test DIR... [--threshold PCT] [--format text|json|junit] [--out FILE]
// Runs every bundle directory's suites (tests/*.test.json|yaml), reports rule and condition-branch coverage,
// and exits 0 when every case passes and both coverages reach the threshold, 1 otherwise, 2 on usage or
// input errors (a policy that does not compile, a malformed suite, a directory without suites).
import { writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { compileBundlePolicy, readBundleDirectory, suitesOf } from "../../bundle/index.ts";
import {
  SuiteFormatError,
  formatDiagnostic,
  runSuites,
  type Branch,
  type CaseResult,
  type CoverageCount,
  type SuiteReport,
} from "../../policy/index.ts";
import { ExitCode, UsageError, type CliIo } from "../io.ts";
import { junitXml } from "../junit.ts";

export interface PolicyResult {
  readonly dir: string;
  readonly policyId: string;
  readonly policyVersion: string;
  readonly report: SuiteReport;
}

/** Compiles DIR's policy and runs its suites; a UsageError for anything that is not a test result. */
export async function testPolicyDirectory(dir: string): Promise<PolicyResult> {
  const compiled = await compileBundlePolicy(dir);
  if (!compiled.compiled)
    throw new UsageError(
      `${dir}: the policy does not compile\n${compiled.diagnostics.map(formatDiagnostic).join("\n")}`,
    );
  let suites;
  try {
    suites = suitesOf(await readBundleDirectory(dir));
  } catch (error) {
    if (error instanceof SuiteFormatError) throw new UsageError(`${dir}/${error.message}`);
    throw error;
  }
  if (suites.length === 0)
    throw new UsageError(`${dir} has no test suites (tests/<name>.test.json or .test.yaml)`);
  const { policy } = compiled.compiled;
  return {
    dir,
    policyId: policy.policyId,
    policyVersion: policy.policyVersion,
    report: runSuites(compiled.compiled, suites),
  };
}

function sum<T>(counts: readonly CoverageCount<T>[], tag: (i: number, t: T) => T): CoverageCount<T> {
  const covered = counts.reduce((n, c) => n + c.covered, 0);
  const total = counts.reduce((n, c) => n + c.total, 0);
  return {
    covered,
    total,
    percent: total === 0 ? 100 : Math.floor((covered / total) * 1000) / 10,
    uncovered: counts.flatMap((c, i) => c.uncovered.map((u) => tag(i, u))),
  };
}

/** One JSON document for all the directories: totals, every case, combined coverage, each policy's own. */
export function jsonReport(results: readonly PolicyResult[], threshold: number): Record<string, unknown> {
  const label = (i: number): string => results[i]?.dir ?? "";
  const rules = sum(
    results.map((r) => r.report.coverage.rules),
    (i, id) => (results.length > 1 ? `${label(i)}:${id}` : id),
  );
  const branches = sum<Branch>(
    results.map((r) => r.report.coverage.branches),
    (i, b) => (results.length > 1 ? { ...b, ruleId: `${label(i)}:${b.ruleId}` } : b),
  );
  return {
    passed: results.reduce((n, r) => n + r.report.passed, 0),
    failed: results.reduce((n, r) => n + r.report.failed, 0),
    threshold,
    cases: results.flatMap((r) => r.report.cases.map((c) => ({ policy: r.dir, ...c }))),
    coverage: { rules, branches },
    policies: results.map((r) => ({
      dir: r.dir,
      policyId: r.policyId,
      policyVersion: r.policyVersion,
      passed: r.report.passed,
      failed: r.report.failed,
      coverage: r.report.coverage,
    })),
  };
}

function textReport(results: readonly PolicyResult[], threshold: number): string[] {
  const lines: string[] = [];
  for (const r of results) {
    lines.push(`${r.policyId} ${r.policyVersion} (${r.dir})`);
    for (const c of r.report.cases)
      lines.push(`  ${c.passed ? "✓" : "✗"} ${c.suite}: ${c.name}${c.failure ? ` — ${c.failure}` : ""}`);
    const { rules, branches } = r.report.coverage;
    lines.push(
      `  ${String(r.report.passed)} passed, ${String(r.report.failed)} failed; rules ${String(rules.percent)}% (${String(rules.covered)}/${String(rules.total)}), branches ${String(branches.percent)}% (${String(branches.covered)}/${String(branches.total)})`,
    );
    if (rules.uncovered.length > 0) lines.push(`  rules never matched: ${rules.uncovered.join(", ")}`);
    for (const b of branches.uncovered) lines.push(`  branch never taken: ${b.ruleId} ${b.path} ${b.branch}`);
  }
  if (threshold > 0) lines.push(`coverage threshold: ${String(threshold)}% (rules and branches)`);
  return lines;
}

export function meetsThreshold(results: readonly PolicyResult[], threshold: number): boolean {
  return results.every(
    (r) =>
      r.report.failed === 0 &&
      r.report.coverage.rules.percent >= threshold &&
      r.report.coverage.branches.percent >= threshold,
  );
}

function checkedOptions(
  thresholdText: string,
  format: string,
): { threshold: number; format: "text" | "json" | "junit" } {
  const threshold = Number(thresholdText);
  if (!Number.isFinite(threshold) || threshold < 0 || threshold > 100)
    throw new UsageError("--threshold must be a percentage between 0 and 100");
  if (format !== "text" && format !== "json" && format !== "junit")
    throw new UsageError("--format must be text, json or junit");
  return { threshold, format };
}

export async function policyTestCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      threshold: { type: "string", default: "0" },
      format: { type: "string", default: "text" },
      out: { type: "string" },
    },
  });
  if (positionals.length === 0) throw new UsageError("policy test needs at least one bundle directory");
  const { threshold, format } = checkedOptions(values.threshold, values.format);
  const results: PolicyResult[] = [];
  for (const dir of positionals) results.push(await testPolicyDirectory(dir));
  const output =
    format === "json"
      ? `${JSON.stringify(jsonReport(results, threshold), null, 2)}\n`
      : format === "junit"
        ? junitXml(
            results.map((r) => ({
              name: `${r.policyId} ${r.policyVersion}`,
              cases: r.report.cases.map((c: CaseResult) => ({
                classname: `${r.policyId}.${r.policyVersion}.${c.suite}`,
                name: c.name,
                ...(c.failure !== undefined && { failure: c.failure }),
              })),
            })),
          )
        : `${textReport(results, threshold).join("\n")}\n`;
  if (values.out !== undefined) await writeFile(values.out, output);
  else io.out(output.replace(/\n$/, ""));
  if (values.out !== undefined && format !== "text")
    for (const line of textReport(results, threshold)) io.err(line);
  return meetsThreshold(results, threshold) ? ExitCode.ok : ExitCode.failed;
}
