// A policy test suite — `tests/<name>.test.json` or `.test.yaml` beside policy.json — parsed strictly, and run
// against a compiled policy. A case gives signals and what to expect: any of action, ruleId and
// requires_override, or the error the signals must be refused with (a VAL-xxx code, or NO_MATCHING_RULE when
// no rule matches). Pure: the caller reads the files.
import { parse as parseYaml } from "yaml";
import type { CompiledPolicy } from "./compile.ts";
import { policyCoverage, type Coverage } from "./coverage.ts";
import { evaluatePolicy } from "./evaluate.ts";
import { validateSignals } from "./signals.ts";
import type { Signals } from "./types.ts";

export const NO_MATCHING_RULE = "NO_MATCHING_RULE";
export const SUITE_FILE = /^[A-Za-z0-9_.-]+\.test\.(json|ya?ml)$/;
const MAX_CASES = 10_000;
const MAX_SUITE_BYTES = 4 * 1024 * 1024;
const ERROR_CODE = /^(VAL-\d{3}|NO_MATCHING_RULE)$/;

export interface Expectation {
  readonly action?: string;
  readonly ruleId?: string;
  readonly requires_override?: boolean;
  readonly error?: string;
}

export interface TestCase {
  readonly name: string;
  readonly signals: unknown;
  readonly expect: Expectation;
}

export interface Suite {
  readonly file: string;
  readonly cases: readonly TestCase[];
}

export class SuiteFormatError extends Error {
  readonly file: string;
  constructor(file: string, message: string) {
    super(`${file}: ${message}`);
    this.name = "SuiteFormatError";
    this.file = file;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

function onlyFields(
  file: string,
  at: string,
  value: Record<string, unknown>,
  allowed: readonly string[],
): void {
  const extra = Object.keys(value).filter((k) => !allowed.includes(k));
  if (extra.length > 0)
    throw new SuiteFormatError(
      file,
      `${at}: unknown field(s) ${extra.join(", ")} (allowed: ${allowed.join(", ")})`,
    );
}

function parseExpectation(file: string, at: string, value: unknown): Expectation {
  if (!isObject(value)) throw new SuiteFormatError(file, `${at}.expect must be an object`);
  if ("error" in value) {
    onlyFields(file, `${at}.expect`, value, ["error"]);
    const code = value["error"];
    if (typeof code !== "string" || !ERROR_CODE.test(code))
      throw new SuiteFormatError(file, `${at}.expect.error must be a VAL-xxx code or ${NO_MATCHING_RULE}`);
    return { error: code };
  }
  return parseDecisionExpectation(file, at, value);
}

function parseDecisionExpectation(file: string, at: string, value: Record<string, unknown>): Expectation {
  onlyFields(file, `${at}.expect`, value, ["action", "ruleId", "requires_override"]);
  const { action, ruleId, requires_override: override } = value;
  if (action !== undefined && typeof action !== "string")
    throw new SuiteFormatError(file, `${at}.expect.action must be a string`);
  if (ruleId !== undefined && typeof ruleId !== "string")
    throw new SuiteFormatError(file, `${at}.expect.ruleId must be a string`);
  if (override !== undefined && typeof override !== "boolean")
    throw new SuiteFormatError(file, `${at}.expect.requires_override must be true or false`);
  if (action === undefined && ruleId === undefined && override === undefined)
    throw new SuiteFormatError(
      file,
      `${at}.expect names nothing to check (action, ruleId, requires_override or error)`,
    );
  return {
    ...(action !== undefined && { action }),
    ...(ruleId !== undefined && { ruleId }),
    ...(override !== undefined && { requires_override: override }),
  };
}

/** Parses one suite file's text (JSON, or YAML for .yaml/.yml); every problem is a SuiteFormatError. */
export function parseSuite(file: string, text: string): Suite {
  if (Buffer.byteLength(text) > MAX_SUITE_BYTES) throw new SuiteFormatError(file, "larger than 4 MiB");
  let doc: unknown;
  try {
    doc = /\.ya?ml$/.test(file)
      ? parseYaml(text, { strict: true, uniqueKeys: true, maxAliasCount: 0 })
      : JSON.parse(text);
  } catch (error) {
    throw new SuiteFormatError(
      file,
      `not valid ${/\.ya?ml$/.test(file) ? "YAML" : "JSON"}: ${(error as Error).message}`,
    );
  }
  if (!isObject(doc)) throw new SuiteFormatError(file, 'a suite is an object: {"cases": [...]}');
  onlyFields(file, "$", doc, ["cases", "description", "$schema"]);
  const cases = doc["cases"];
  if (!Array.isArray(cases) || cases.length === 0)
    throw new SuiteFormatError(file, "cases must be a non-empty list");
  if (cases.length > MAX_CASES) throw new SuiteFormatError(file, `more than ${String(MAX_CASES)} cases`);
  const names = new Set<string>();
  return {
    file,
    cases: cases.map((c: unknown, i) => {
      const at = `cases[${String(i)}]`;
      if (!isObject(c)) throw new SuiteFormatError(file, `${at} must be an object`);
      onlyFields(file, at, c, ["name", "signals", "expect", "description"]);
      const name = c["name"];
      if (typeof name !== "string" || name.trim() === "" || name.length > 200)
        throw new SuiteFormatError(file, `${at}.name must be a non-empty string (at most 200 characters)`);
      if (names.has(name)) throw new SuiteFormatError(file, `${at}: the name "${name}" is used twice`);
      names.add(name);
      if (!("signals" in c)) throw new SuiteFormatError(file, `${at}.signals is missing`);
      return { name, signals: c["signals"], expect: parseExpectation(file, at, c["expect"]) };
    }),
  };
}

export interface CaseResult {
  readonly suite: string;
  readonly name: string;
  readonly passed: boolean;
  /** What happened: the decision, or the error code the signals got. */
  readonly got: Expectation;
  readonly expected: Expectation;
  /** For a failed case, one line saying how it differed. */
  readonly failure?: string;
}

function describe(e: Expectation): string {
  if (e.error !== undefined) return `error ${e.error}`;
  return [
    e.action !== undefined && `action ${e.action}`,
    e.ruleId !== undefined && `rule ${e.ruleId}`,
    e.requires_override !== undefined && `requires_override ${String(e.requires_override)}`,
  ]
    .filter(Boolean)
    .join(", ");
}

/** Runs one case; `valid` receives the signals of every case that passed validation (for coverage). */
export function runCase(
  compiled: CompiledPolicy,
  suite: string,
  c: TestCase,
  valid: (s: Signals) => void,
): CaseResult {
  const checked = validateSignals(compiled.policy, c.signals);
  let got: Expectation;
  if (!checked.ok) got = { error: checked.errors[0]?.code ?? "VAL-001" };
  else {
    valid(checked.signals);
    const evaluation = evaluatePolicy(compiled, checked.signals);
    got = evaluation.matched
      ? {
          action: evaluation.outcome.action,
          ruleId: evaluation.ruleId,
          requires_override: evaluation.outcome.requires_override,
        }
      : { error: NO_MATCHING_RULE };
  }
  const e = c.expect;
  const errorCodes = !checked.ok ? checked.errors.map((err) => err.code as string) : [got.error];
  const passed =
    e.error !== undefined
      ? got.error !== undefined && errorCodes.includes(e.error)
      : got.error === undefined &&
        (e.action === undefined || e.action === got.action) &&
        (e.ruleId === undefined || e.ruleId === got.ruleId) &&
        (e.requires_override === undefined || e.requires_override === got.requires_override);
  return {
    suite,
    name: c.name,
    passed,
    got,
    expected: e,
    ...(!passed && { failure: `expected ${describe(e)}, got ${describe(got)}` }),
  };
}

export interface SuiteReport {
  readonly passed: number;
  readonly failed: number;
  readonly cases: readonly CaseResult[];
  readonly coverage: Coverage;
}

/** Runs every case of every suite against one compiled policy, with the coverage the valid cases reach. */
export function runSuites(compiled: CompiledPolicy, suites: readonly Suite[]): SuiteReport {
  const evaluated: Signals[] = [];
  const cases = suites.flatMap((s) =>
    s.cases.map((c) => runCase(compiled, s.file, c, (signals) => evaluated.push(signals))),
  );
  const failed = cases.filter((c) => !c.passed).length;
  return { passed: cases.length - failed, failed, cases, coverage: policyCoverage(compiled, evaluated) };
}
