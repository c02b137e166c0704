// The policy language: compiler checks (POL-xxx), signal validation (VAL-xxx) and a pure evaluator.
export {
  SUPPORTED_SCHEMA_VERSIONS,
  COMPARISON_OPERATORS,
  type Policy,
  type Rule,
  type Condition,
  type LeafCondition,
  type Outcome,
  type SignalDeclaration,
  type SignalType,
  type SignalValue,
  type Signals,
} from "./types.ts";
export {
  PolicyErrorCode,
  SignalErrorCode,
  formatDiagnostic,
  type PolicyDiagnostic,
  type SignalError,
} from "./diagnostics.ts";
export {
  compilePolicy,
  compilePolicyText,
  type CompiledPolicy,
  type CompiledRule,
  type CompileOptions,
  type CompileResult,
} from "./compile.ts";
export { validateSignals, type SignalsResult } from "./signals.ts";
export { evaluatePolicy, type Evaluation } from "./evaluate.ts";
export type { ConditionNode, LeafNode, CompositeNode, NotNode, Predicate } from "./condition-tree.ts";
export {
  explainPolicy,
  formatExplanation,
  decisiveLeaf,
  type DecisiveLeaf,
  type Explanation,
  type RuleTrace,
} from "./explain.ts";
export { policyCoverage, type Branch, type Coverage, type CoverageCount } from "./coverage.ts";
export {
  NO_MATCHING_RULE,
  SUITE_FILE,
  SuiteFormatError,
  parseSuite,
  runCase,
  runSuites,
  type CaseResult,
  type Expectation,
  type Suite,
  type SuiteReport,
  type TestCase,
} from "./suite.ts";
export * from "./diff/index.ts";
