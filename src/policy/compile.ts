// The policy compiler: checks a parsed policy.json completely (every problem reported, with file, JSON path
// and a fix), then turns its conditions into closures so that evaluation does no interpretation.
import type { ConditionNode, Predicate } from "./condition-tree.ts";
import { PolicyErrorCode, type PolicyDiagnostic } from "./diagnostics.ts";
import {
  COMPARISON_OPERATORS,
  SUPPORTED_SCHEMA_VERSIONS,
  type ComparisonOperator,
  type Condition,
  type Outcome,
  type Policy,
  type Rule,
  type SignalDeclaration,
  type SignalType,
  type SignalValue,
} from "./types.ts";

export interface CompiledRule {
  readonly id: string;
  readonly outcome: Outcome;
  readonly test: Predicate;
  /** The condition as a tree of compiled nodes (the explanation, coverage and the diff walk it). */
  readonly condition: ConditionNode;
}

export interface CompiledPolicy {
  readonly policy: Policy;
  readonly rules: readonly CompiledRule[];
}

export interface CompileOptions {
  /** Shown in every diagnostic. */
  readonly file?: string;
  /** The policyId the bundle's directory says this is (POL-008 when it differs). */
  readonly expectedPolicyId?: string;
  readonly expectedPolicyVersion?: string;
}

export interface CompileResult {
  /** Present only when there is no error (warnings allowed). */
  readonly compiled?: CompiledPolicy;
  readonly diagnostics: readonly PolicyDiagnostic[];
}

const POLICY_ID = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const POLICY_VERSION = /^[0-9A-Za-z][0-9A-Za-z.+_-]{0,63}$/;
const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;
const SIGNAL_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const RULE_ID = /^[A-Za-z0-9_.:-]{1,128}$/;
// Names that mean something to every JavaScript object; refusing them rules out prototype tricks.
const RESERVED_NAMES: ReadonlySet<string> = new Set(["__proto__", "constructor", "prototype"]);
const SIGNAL_TYPES: readonly SignalType[] = ["integer", "number", "boolean", "string", "enum"];
const TOP_LEVEL_FIELDS = new Set([
  "policyId",
  "policyVersion",
  "schemaVersion",
  "signalsSchema",
  "rules",
  "description",
  // An editor's pointer to schemas/policy.schema.json; it means nothing to evaluation.
  "$schema",
]);
const DECLARATION_FIELDS = new Set(["type", "values", "required", "min", "max", "maxLength", "description"]);
const MAX_CONDITION_DEPTH = 32;
const MAX_RULES = 1000;
const MAX_SIGNALS = 256;
const ORDERING: ReadonlySet<ComparisonOperator> = new Set([
  "greater_than",
  "greater_than_or_equal",
  "less_than",
  "less_than_or_equal",
]);

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

class Checker {
  readonly diagnostics: PolicyDiagnostic[] = [];
  private readonly file: string;

  constructor(file: string) {
    this.file = file;
  }

  error(code: PolicyErrorCode, path: string, message: string, fix: string): void {
    this.diagnostics.push({ code, severity: "error", file: this.file, path, message, fix });
  }

  warn(code: PolicyErrorCode, path: string, message: string, fix: string): void {
    this.diagnostics.push({ code, severity: "warning", file: this.file, path, message, fix });
  }

  get failed(): boolean {
    return this.diagnostics.some((d) => d.severity === "error");
  }
}

function checkPolicyId(policyId: unknown, c: Checker, options: CompileOptions): void {
  if (typeof policyId !== "string" || !POLICY_ID.test(policyId)) {
    c.error(
      PolicyErrorCode.policyId,
      "$.policyId",
      policyId === undefined ? "policyId is missing" : "policyId must be a lowercase DNS label",
      'set "policyId" to lowercase letters, digits and dashes, e.g. "loan-approval"',
    );
  } else if (options.expectedPolicyId !== undefined && policyId !== options.expectedPolicyId) {
    c.error(
      PolicyErrorCode.policyIdMismatch,
      "$.policyId",
      `policyId "${policyId}" differs from its directory "${options.expectedPolicyId}"`,
      `rename the directory to "${policyId}" or set "policyId" to "${options.expectedPolicyId}"`,
    );
  }
}

function checkPolicyVersion(policyVersion: unknown, c: Checker, options: CompileOptions): void {
  if (typeof policyVersion !== "string" || !POLICY_VERSION.test(policyVersion)) {
    c.error(
      PolicyErrorCode.policyVersion,
      "$.policyVersion",
      policyVersion === undefined
        ? "policyVersion is missing"
        : "policyVersion is not a valid version string",
      'set "policyVersion" to a semantic version such as "1.2.0"',
    );
  } else {
    if (options.expectedPolicyVersion !== undefined && policyVersion !== options.expectedPolicyVersion) {
      c.error(
        PolicyErrorCode.policyIdMismatch,
        "$.policyVersion",
        `policyVersion "${policyVersion}" differs from its directory "${options.expectedPolicyVersion}"`,
        `put the policy in a directory named "${policyVersion}"`,
      );
    }
    if (!SEMVER.test(policyVersion)) {
      c.warn(
        PolicyErrorCode.versionNotSemver,
        "$.policyVersion",
        `"${policyVersion}" is not semver`,
        'use MAJOR.MINOR.PATCH, e.g. "1.2.0"',
      );
    }
  }
}

function checkIdentity(doc: Json, c: Checker, options: CompileOptions): void {
  checkPolicyId(doc["policyId"], c, options);
  checkPolicyVersion(doc["policyVersion"], c, options);
  const schemaVersion = doc["schemaVersion"];
  if (schemaVersion === undefined) {
    c.error(
      PolicyErrorCode.schemaVersion,
      "$.schemaVersion",
      "schemaVersion is missing",
      'add "schemaVersion": "1.0.0"',
    );
  } else if (!(SUPPORTED_SCHEMA_VERSIONS as readonly unknown[]).includes(schemaVersion)) {
    c.error(
      PolicyErrorCode.unsupportedSchemaVersion,
      "$.schemaVersion",
      `schemaVersion ${JSON.stringify(schemaVersion)} is not supported`,
      `use one of: ${SUPPORTED_SCHEMA_VERSIONS.join(", ")}`,
    );
  }
  for (const key of Object.keys(doc)) {
    if (!TOP_LEVEL_FIELDS.has(key)) {
      c.error(
        PolicyErrorCode.unknownField,
        `$.${key}`,
        `unknown field "${key}"`,
        "remove it or fix its spelling",
      );
    }
  }
}

function checkBounds(name: string, decl: Json, c: Checker): void {
  const path = `$.signalsSchema.${name}`;
  const numeric = decl["type"] === "integer" || decl["type"] === "number";
  for (const bound of ["min", "max"] as const) {
    if (decl[bound] === undefined) continue;
    if (!numeric || typeof decl[bound] !== "number" || !Number.isFinite(decl[bound])) {
      c.error(
        PolicyErrorCode.signalOptions,
        `${path}.${bound}`,
        `"${bound}" needs a finite number on an integer or number signal`,
        `remove "${bound}" or make it a number`,
      );
    }
  }
  if (typeof decl["min"] === "number" && typeof decl["max"] === "number" && decl["min"] > decl["max"]) {
    c.error(PolicyErrorCode.signalOptions, path, "min is greater than max", "swap min and max");
  }
  checkStringOptions(path, decl, c);
}

function checkStringOptions(path: string, decl: Json, c: Checker): void {
  const maxLength = decl["maxLength"];
  if (
    maxLength !== undefined &&
    (decl["type"] !== "string" || !Number.isSafeInteger(maxLength) || (maxLength as number) < 0)
  ) {
    c.error(
      PolicyErrorCode.signalOptions,
      `${path}.maxLength`,
      '"maxLength" needs a non-negative integer on a string signal',
      'remove "maxLength" or fix it',
    );
  }
  if (decl["required"] !== undefined && typeof decl["required"] !== "boolean") {
    c.error(
      PolicyErrorCode.signalOptions,
      `${path}.required`,
      '"required" must be true or false',
      'set "required" to true or false',
    );
  }
}

function checkDeclaration(name: string, decl: unknown, c: Checker): SignalDeclaration | undefined {
  const path = `$.signalsSchema.${name}`;
  if (!SIGNAL_NAME.test(name) || RESERVED_NAMES.has(name)) {
    c.error(
      PolicyErrorCode.signalType,
      path,
      `signal name "${name}" is not an identifier`,
      "use letters, digits and _ (max 64), starting with a letter or _",
    );
  }
  if (
    !isObject(decl) ||
    typeof decl["type"] !== "string" ||
    !(SIGNAL_TYPES as readonly string[]).includes(decl["type"])
  ) {
    c.error(
      PolicyErrorCode.signalType,
      `${path}.type`,
      `signal "${name}" has no valid type`,
      `set "type" to one of: ${SIGNAL_TYPES.join(", ")}`,
    );
    return undefined;
  }
  for (const key of Object.keys(decl)) {
    if (!DECLARATION_FIELDS.has(key))
      c.error(
        PolicyErrorCode.signalOptions,
        `${path}.${key}`,
        `unknown option "${key}"`,
        "remove it or fix its spelling",
      );
  }
  const values = decl["values"];
  if (decl["type"] === "enum") {
    const ok =
      Array.isArray(values) &&
      values.length > 0 &&
      values.every((v) => typeof v === "string") &&
      new Set(values).size === values.length;
    if (!ok)
      c.error(
        PolicyErrorCode.enumValues,
        `${path}.values`,
        `enum signal "${name}" needs a non-empty list of distinct strings`,
        'add "values": ["A", "B"]',
      );
  } else if (values !== undefined) {
    c.error(
      PolicyErrorCode.enumValues,
      `${path}.values`,
      `"values" is only for enum signals`,
      'remove "values" or make the type "enum"',
    );
  }
  checkBounds(name, decl, c);
  return decl as unknown as SignalDeclaration;
}

function checkSignals(doc: Json, c: Checker): Map<string, SignalDeclaration> {
  const declared = new Map<string, SignalDeclaration>();
  const schema = doc["signalsSchema"];
  if (!isObject(schema)) {
    c.error(
      PolicyErrorCode.signalsSchema,
      "$.signalsSchema",
      schema === undefined ? "signalsSchema is missing" : "signalsSchema must be an object",
      'add "signalsSchema": {"name": {"type": "string"}}',
    );
    return declared;
  }
  const names = Object.keys(schema);
  if (names.length > MAX_SIGNALS) {
    c.error(
      PolicyErrorCode.signalsSchema,
      "$.signalsSchema",
      `more than ${String(MAX_SIGNALS)} signals`,
      "split the policy",
    );
  }
  for (const name of names) {
    const decl = checkDeclaration(name, schema[name], c);
    if (decl) declared.set(name, decl);
  }
  return declared;
}

function valueFits(decl: SignalDeclaration, value: unknown): value is SignalValue {
  switch (decl.type) {
    case "integer":
      return Number.isSafeInteger(value);
    case "number":
      return typeof value === "number" && Number.isFinite(value);
    case "boolean":
      return typeof value === "boolean";
    case "string":
      return typeof value === "string";
    case "enum":
      return typeof value === "string" && (decl.values ?? []).includes(value);
  }
}

interface ConditionContext {
  readonly c: Checker;
  readonly declared: ReadonlyMap<string, SignalDeclaration>;
}

function compileComparison(op: ComparisonOperator, name: string, operand: unknown): Predicate {
  switch (op) {
    case "equals":
      return (s) => s[name] !== undefined && s[name] === operand;
    case "not_equals":
      return (s) => s[name] !== undefined && s[name] !== operand;
    case "greater_than":
      return (s) => typeof s[name] === "number" && s[name] > (operand as number);
    case "greater_than_or_equal":
      return (s) => typeof s[name] === "number" && s[name] >= (operand as number);
    case "less_than":
      return (s) => typeof s[name] === "number" && s[name] < (operand as number);
    case "less_than_or_equal":
      return (s) => typeof s[name] === "number" && s[name] <= (operand as number);
    case "in": {
      const set = new Set(operand as SignalValue[]);
      return (s) => s[name] !== undefined && set.has(s[name]);
    }
    case "not_in": {
      const set = new Set(operand as SignalValue[]);
      return (s) => s[name] !== undefined && !set.has(s[name]);
    }
  }
}

function checkOperand(
  op: ComparisonOperator,
  decl: SignalDeclaration,
  operand: unknown,
  path: string,
  ctx: ConditionContext,
): boolean {
  if (ORDERING.has(op)) {
    if (decl.type !== "integer" && decl.type !== "number") {
      ctx.c.error(
        PolicyErrorCode.ruleSignalOrOperator,
        path,
        `"${op}" needs a numeric signal, not ${decl.type}`,
        'use "equals" or "in" for this signal',
      );
      return false;
    }
    if (typeof operand !== "number" || !Number.isFinite(operand)) {
      ctx.c.error(
        PolicyErrorCode.ruleSignalOrOperator,
        path,
        `"${op}" needs a finite number`,
        "compare with a number",
      );
      return false;
    }
    return true;
  }
  const list = op === "in" || op === "not_in";
  if (list && (!Array.isArray(operand) || operand.length === 0)) {
    ctx.c.error(
      PolicyErrorCode.ruleSignalOrOperator,
      path,
      `"${op}" needs a non-empty list`,
      `write "${op}": [value, ...]`,
    );
    return false;
  }
  const values: unknown[] = list ? (operand as unknown[]) : [operand];
  const bad = values.find((v) => !valueFits(decl, v));
  if (bad !== undefined || values.length === 0) {
    ctx.c.error(
      PolicyErrorCode.ruleSignalOrOperator,
      path,
      `${JSON.stringify(bad)} is not a valid ${decl.type} value for this signal`,
      decl.type === "enum" ? `use one of: ${(decl.values ?? []).join(", ")}` : `use a ${decl.type} value`,
    );
    return false;
  }
  return true;
}

function compileLeaf(node: Json, path: string, ctx: ConditionContext): ConditionNode | undefined {
  const name = node["signal"];
  const ops = Object.keys(node).filter((k) => k !== "signal");
  if (typeof name !== "string" || ops.length !== 1) {
    ctx.c.error(
      PolicyErrorCode.malformedCondition,
      path,
      "a leaf condition is {signal, <operator>: value} with exactly one operator",
      `write {"signal": "name", "equals": value}`,
    );
    return undefined;
  }
  const op = ops[0] as string;
  if (!(COMPARISON_OPERATORS as readonly string[]).includes(op)) {
    ctx.c.error(
      PolicyErrorCode.ruleSignalOrOperator,
      `${path}.${op}`,
      `unknown operator "${op}"`,
      `use one of: ${COMPARISON_OPERATORS.join(", ")}`,
    );
    return undefined;
  }
  const decl = ctx.declared.get(name);
  if (!decl) {
    ctx.c.error(
      PolicyErrorCode.ruleSignalOrOperator,
      `${path}.signal`,
      `signal "${name}" is not declared in signalsSchema`,
      `declare "${name}" in signalsSchema or fix its spelling`,
    );
    return undefined;
  }
  const operator = op as ComparisonOperator;
  if (!checkOperand(operator, decl, node[op], `${path}.${op}`, ctx)) return undefined;
  const operand = node[op] as SignalValue | readonly SignalValue[];
  return {
    kind: "leaf",
    path,
    signal: name,
    operator,
    operand,
    test: compileComparison(operator, name, operand),
  };
}

function compileCondition(
  node: unknown,
  path: string,
  depth: number,
  ctx: ConditionContext,
): ConditionNode | undefined {
  if (depth > MAX_CONDITION_DEPTH) {
    ctx.c.error(
      PolicyErrorCode.malformedCondition,
      path,
      `conditions nest deeper than ${String(MAX_CONDITION_DEPTH)}`,
      "flatten the condition",
    );
    return undefined;
  }
  if (!isObject(node)) {
    ctx.c.error(
      PolicyErrorCode.malformedCondition,
      path,
      "a condition must be an object",
      'write {"all": [...]}, {"any": [...]}, {"not": {...}} or a leaf',
    );
    return undefined;
  }
  const keys = Object.keys(node);
  const composite = keys.length === 1 ? keys[0] : undefined;
  if (composite === "all" || composite === "any") {
    const list = node[composite];
    if (!Array.isArray(list)) {
      ctx.c.error(
        PolicyErrorCode.malformedCondition,
        `${path}.${composite}`,
        `"${composite}" needs a list of conditions`,
        `write "${composite}": [...]`,
      );
      return undefined;
    }
    const compiled = list.map((child, i) =>
      compileCondition(child, `${path}.${composite}[${String(i)}]`, depth + 1, ctx),
    );
    if (compiled.some((p) => p === undefined)) return undefined;
    const children = compiled as ConditionNode[];
    const predicates = children.map((child) => child.test);
    const test: Predicate =
      composite === "all" ? (s) => predicates.every((p) => p(s)) : (s) => predicates.some((p) => p(s));
    return { kind: composite, path, children, test };
  }
  if (composite === "not") {
    const inner = compileCondition(node["not"], `${path}.not`, depth + 1, ctx);
    if (!inner) return undefined;
    const p = inner.test;
    return { kind: "not", path, child: inner, test: (s) => !p(s) };
  }
  return compileLeaf(node, path, ctx);
}

/** A condition that is true whatever the signals: `{"all": []}`, or `{"not": {"any": []}}`. */
function alwaysTrue(node: unknown): boolean {
  if (!isObject(node)) return false;
  if (Array.isArray(node["all"])) return node["all"].every(alwaysTrue);
  if (isObject(node["not"])) {
    const inner = node["not"];
    return Array.isArray(inner["any"]) && inner["any"].length === 0;
  }
  return false;
}

function checkOutcome(outcome: unknown, path: string, c: Checker): boolean {
  if (
    !isObject(outcome) ||
    typeof outcome["action"] !== "string" ||
    !/^[a-z][a-z0-9_]{0,63}$/.test(outcome["action"]) ||
    typeof outcome["requires_override"] !== "boolean" ||
    typeof outcome["reason"] !== "string" ||
    outcome["reason"].length > 1024
  ) {
    c.error(
      PolicyErrorCode.malformedRule,
      path,
      "an outcome is {action, requires_override, reason}",
      'write {"action": "approve", "requires_override": false, "reason": "..."}',
    );
    return false;
  }
  return true;
}

function compileRules(
  doc: Json,
  declared: ReadonlyMap<string, SignalDeclaration>,
  c: Checker,
): CompiledRule[] {
  const rules = doc["rules"];
  if (!Array.isArray(rules) || rules.length === 0) {
    c.error(
      PolicyErrorCode.rules,
      "$.rules",
      rules === undefined ? "rules is missing" : "rules must be a non-empty list",
      'add "rules": [{"id", "condition", "outcome"}]',
    );
    return [];
  }
  if (rules.length > MAX_RULES)
    c.error(PolicyErrorCode.rules, "$.rules", `more than ${String(MAX_RULES)} rules`, "split the policy");
  const ctx: ConditionContext = { c, declared };
  const seen = new Set<string>();
  const compiled: CompiledRule[] = [];
  rules.forEach((rule: unknown, i) => {
    const path = `$.rules[${String(i)}]`;
    if (!isObject(rule) || typeof rule["id"] !== "string" || !RULE_ID.test(rule["id"])) {
      c.error(
        PolicyErrorCode.malformedRule,
        `${path}.id`,
        "every rule needs an id (letters, digits, . _ : -)",
        'add "id": "a-unique-name"',
      );
      return;
    }
    const id = rule["id"];
    if (seen.has(id))
      c.error(
        PolicyErrorCode.duplicateRuleId,
        `${path}.id`,
        `rule id "${id}" is used twice`,
        "give each rule its own id",
      );
    seen.add(id);
    const extra = Object.keys(rule).filter((k) => !["id", "condition", "outcome", "description"].includes(k));
    for (const key of extra)
      c.error(
        PolicyErrorCode.unknownField,
        `${path}.${key}`,
        `unknown field "${key}"`,
        "remove it or fix its spelling",
      );
    const condition = compileCondition(rule["condition"], `${path}.condition`, 1, ctx);
    if (checkOutcome(rule["outcome"], `${path}.outcome`, c) && condition) {
      compiled.push({ id, outcome: rule["outcome"] as Outcome, test: condition.test, condition });
    }
  });
  if (!rules.some((rule: unknown) => isObject(rule) && alwaysTrue(rule["condition"]))) {
    c.warn(
      PolicyErrorCode.noCatchAll,
      "$.rules",
      "no rule always matches, so some signals match no rule (422 NO_MATCHING_RULE)",
      'end with {"id": "default", "condition": {"all": []}, "outcome": {...}}',
    );
  }
  return compiled;
}

/** Checks and compiles a parsed policy.json. */
export function compilePolicy(doc: unknown, options: CompileOptions = {}): CompileResult {
  const c = new Checker(options.file ?? "policy.json");
  if (!isObject(doc)) {
    c.error(
      PolicyErrorCode.invalidJson,
      "$",
      "policy.json must hold a JSON object",
      "wrap the policy in { ... }",
    );
    return { diagnostics: c.diagnostics };
  }
  checkIdentity(doc, c, options);
  const declared = checkSignals(doc, c);
  const rules = compileRules(doc, declared, c);
  if (c.failed) return { diagnostics: c.diagnostics };
  const policy = doc as unknown as Policy;
  return { compiled: { policy, rules }, diagnostics: c.diagnostics };
}

/** Parses policy.json text, then compiles it; invalid JSON is POL-002. */
export function compilePolicyText(text: string, options: CompileOptions = {}): CompileResult {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    return {
      diagnostics: [
        {
          code: PolicyErrorCode.invalidJson,
          severity: "error",
          file: options.file ?? "policy.json",
          path: "$",
          message: `not valid JSON: ${error instanceof Error ? error.message : String(error)}`,
          fix: "fix the JSON syntax (a validator or `jq .` points at the spot)",
        },
      ],
    };
  }
  return compilePolicy(doc, options);
}

export type { Rule, Condition };
