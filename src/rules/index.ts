// The rule engine: load YAML rules → validate → compile → decide, pure apart from readRuleFiles.

export { loadRuleSet, formatLoadError } from './load';
export { decide, type DecideStats } from './decide';
export { ordinaryMoment, runExamples } from './examples';
export type { ExampleResult } from './examples';
export { readRuleFiles, readTestFiles } from './files';
export { firstNamedNumber } from './numbers';
export { readConversationTests } from './tests/read';
export type {
  ConversationStep,
  ConversationTest,
  GivenThread,
  StepExpectation,
  TestFileError,
} from './tests/types';
export type { ReadRuleFilesOptions } from './files';
export { DEFAULT_COMPLIANCE } from './schema/compliance';
export { normalizeText } from './normalize';
export type {
  CompiledRule,
  ComplianceConfig,
  Decision,
  DecisionKind,
  InboundForMatching,
  LoadOptions,
  LoadResult,
  ReplyAction,
  RuleFile,
  RuleLoadError,
  RuleSet,
  RuleSummary,
  ScheduleAction,
  ThreadSnapshot,
} from './types';
