// Validation and normalisation of a caller's signals against a policy's signalsSchema (VAL-xxx). No
// coercion: 1 is not true and "42" is not 42.
import { SignalErrorCode, type SignalError } from "./diagnostics.ts";
import type { Policy, SignalDeclaration, SignalValue, Signals } from "./types.ts";

export type SignalsResult =
  | { readonly ok: true; readonly signals: Signals }
  | { readonly ok: false; readonly errors: readonly SignalError[] };

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  return typeof value === "string"
    ? `the string ${JSON.stringify(value.slice(0, 40))}`
    : `${typeof value} ${JSON.stringify(value)}`;
}

type Fail = (code: SignalError["code"], message: string) => SignalError;

/** Length in Unicode code points, which is what maxLength counts. */
export function codePoints(value: string): number {
  let n = 0;
  for (let i = 0; i < value.length; i++) {
    const unit = value.charCodeAt(i);
    // A high surrogate followed by a low one is one code point.
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < value.length) {
      const next = value.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

function checkText(
  name: string,
  decl: SignalDeclaration,
  value: unknown,
  fail: Fail,
): SignalError | undefined {
  if (typeof value !== "string") {
    return fail(SignalErrorCode.stringExpected, `signal "${name}" must be a string, got ${describe(value)}`);
  }
  if (decl.type === "enum" && !(decl.values ?? []).includes(value)) {
    const allowed = (decl.values ?? []).join(", ");
    return fail(
      SignalErrorCode.notInEnum,
      `signal "${name}" must be one of ${allowed}, got ${describe(value)}`,
    );
  }
  if (decl.maxLength !== undefined && codePoints(value) > decl.maxLength) {
    return fail(
      SignalErrorCode.outOfBounds,
      `signal "${name}" is longer than ${String(decl.maxLength)} characters`,
    );
  }
  return undefined;
}

function checkValue(name: string, decl: SignalDeclaration, value: unknown): SignalError | undefined {
  const fail: Fail = (code, message) => ({ code, signal: name, message });
  switch (decl.type) {
    case "boolean":
      return typeof value === "boolean"
        ? undefined
        : fail(
            SignalErrorCode.booleanExpected,
            `signal "${name}" must be true or false, got ${describe(value)}`,
          );
    case "string":
    case "enum":
      return checkText(name, decl, value, fail);
    case "integer":
      return Number.isSafeInteger(value)
        ? checkBounds(name, decl, value as number)
        : fail(
            SignalErrorCode.integerExpected,
            `signal "${name}" must be an integer, got ${describe(value)}`,
          );
    case "number":
      return typeof value === "number" && Number.isFinite(value)
        ? checkBounds(name, decl, value)
        : fail(SignalErrorCode.numberExpected, `signal "${name}" must be a number, got ${describe(value)}`);
  }
}

function checkBounds(name: string, decl: SignalDeclaration, value: number): SignalError | undefined {
  if ((decl.min !== undefined && value < decl.min) || (decl.max !== undefined && value > decl.max)) {
    return {
      code: SignalErrorCode.outOfBounds,
      signal: name,
      message: `signal "${name}" = ${String(value)} is outside [${String(decl.min ?? "-∞")}, ${String(decl.max ?? "∞")}]`,
    };
  }
  return undefined;
}

/**
 * Checks `input` against the policy's signalsSchema and returns the normalised signals: exactly the declared
 * names that were given, each of its declared type. Every problem is reported, not just the first.
 */
export function validateSignals(policy: Policy, input: unknown): SignalsResult {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    return {
      ok: false,
      errors: [{ code: SignalErrorCode.notAnObject, signal: "", message: "signals must be a JSON object" }],
    };
  }
  const given = input as Record<string, unknown>;
  const errors: SignalError[] = [];
  // No prototype: a signal value can never be looked up through Object.prototype.
  const signals = Object.create(null) as Record<string, SignalValue>;
  for (const name of Object.keys(given)) {
    if (!Object.hasOwn(policy.signalsSchema, name)) {
      errors.push({
        code: SignalErrorCode.unknownSignal,
        signal: name,
        message: `signal "${name}" is not declared by policy ${policy.policyId}`,
      });
    }
  }
  for (const [name, decl] of Object.entries(policy.signalsSchema)) {
    const value = Object.hasOwn(given, name) ? given[name] : undefined;
    if (value === undefined) {
      if (decl.required !== false)
        errors.push({
          code: SignalErrorCode.missingSignal,
          signal: name,
          message: `required signal "${name}" is missing`,
        });
      continue;
    }
    const error = checkValue(name, decl, value);
    if (error) errors.push(error);
    else signals[name] = value as SignalValue;
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, signals };
}
