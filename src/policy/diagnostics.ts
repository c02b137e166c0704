// What the compiler and the signal validator report: stable codes, where, and how to fix it.

export const PolicyErrorCode = {
  noPolicyFile: "POL-001",
  invalidJson: "POL-002",
  policyId: "POL-003",
  policyVersion: "POL-004",
  schemaVersion: "POL-005",
  signalsSchema: "POL-006",
  rules: "POL-007",
  policyIdMismatch: "POL-008",
  unsupportedSchemaVersion: "POL-009",
  signalType: "POL-010",
  enumValues: "POL-011",
  signalOptions: "POL-012",
  ruleSignalOrOperator: "POL-013",
  duplicateRuleId: "POL-014",
  malformedRule: "POL-015",
  malformedCondition: "POL-016",
  unknownField: "POL-017",
  noCatchAll: "POL-021",
  versionNotSemver: "POL-022",
} as const;
export type PolicyErrorCode = (typeof PolicyErrorCode)[keyof typeof PolicyErrorCode];

export interface PolicyDiagnostic {
  readonly code: PolicyErrorCode;
  readonly severity: "error" | "warning";
  readonly file: string;
  /** JSON path, e.g. `$.rules[1].condition.all[0].signal`. */
  readonly path: string;
  readonly message: string;
  readonly fix: string;
}

export function formatDiagnostic(d: PolicyDiagnostic): string {
  return `${d.file}: ${d.severity} ${d.code} at ${d.path}: ${d.message}\n  fix: ${d.fix}`;
}

export const SignalErrorCode = {
  notAnObject: "VAL-001",
  unknownSignal: "VAL-003",
  missingSignal: "VAL-004",
  numberExpected: "VAL-005",
  booleanExpected: "VAL-006",
  integerExpected: "VAL-007",
  stringExpected: "VAL-008",
  notInEnum: "VAL-009",
  outOfBounds: "VAL-010",
} as const;
export type SignalErrorCode = (typeof SignalErrorCode)[keyof typeof SignalErrorCode];

export interface SignalError {
  readonly code: SignalErrorCode;
  readonly signal: string;
  readonly message: string;
}
