// The policy language (`policy.json`), as data. The compiler turns it into a CompiledPolicy.

export const SUPPORTED_SCHEMA_VERSIONS = ["1.0.0"] as const;

export type SignalType = "integer" | "number" | "boolean" | "string" | "enum";
export type SignalValue = number | boolean | string;

export interface SignalDeclaration {
  readonly type: SignalType;
  /** For `enum`: the allowed values. */
  readonly values?: readonly string[];
  /** Default true. */
  readonly required?: boolean;
  /** Inclusive bounds for `integer` and `number`. */
  readonly min?: number;
  readonly max?: number;
  /** For `string`: the most code points allowed. */
  readonly maxLength?: number;
}

export const COMPARISON_OPERATORS = [
  "equals",
  "not_equals",
  "greater_than",
  "greater_than_or_equal",
  "less_than",
  "less_than_or_equal",
  "in",
  "not_in",
] as const;
export type ComparisonOperator = (typeof COMPARISON_OPERATORS)[number];

export type LeafCondition = { readonly signal: string } & Partial<
  Readonly<Record<ComparisonOperator, SignalValue | readonly SignalValue[]>>
>;
export type Condition =
  | LeafCondition
  | { readonly all: readonly Condition[] }
  | { readonly any: readonly Condition[] }
  | { readonly not: Condition };

export interface Outcome {
  readonly action: string;
  readonly requires_override: boolean;
  readonly reason: string;
}

export interface Rule {
  readonly id: string;
  readonly condition: Condition;
  readonly outcome: Outcome;
}

export interface Policy {
  readonly policyId: string;
  readonly policyVersion: string;
  readonly schemaVersion: string;
  readonly signalsSchema: Readonly<Record<string, SignalDeclaration>>;
  readonly rules: readonly Rule[];
}

/** Signals after validation: only declared names, values of their declared type. */
export type Signals = Readonly<Record<string, SignalValue>>;
