// `replybot rules lint`: every finding of SPEC §8 for one loaded set of rules and templates and
// the runs of its examples and conversation tests.

import type { ExampleResult } from '../../rules';
import type { BotContentSnapshot, BotFiles } from '../botContent';
import type { ConversationResult } from '../conversations';
import {
  segmentBudgets,
  segmentUse,
  ucs2Characters,
  unusedTemplates,
  untestedRules,
  type SegmentUse,
} from './contentChecks';
import { ruleFindings } from './ruleChecks';
import { RuleSources } from './sources';
import { byPosition, type Finding } from './types';

export { formatFinding, type Finding, type LintCode, type Severity } from './types';
export type { SegmentUse } from './contentChecks';
export { TWILIO_RESERVED_KEYWORDS } from './ruleChecks';

export interface LintInput {
  files: BotFiles;
  snapshot: BotContentSnapshot;
  examples: readonly ExampleResult[];
  conversations: readonly ConversationResult[];
}

export interface LintReport {
  /** In file and position order. */
  findings: Finding[];
  /** Per rule that sent anything in the tests: its costliest message. */
  segments: SegmentUse[];
}

export function lintBot(input: LintInput): LintReport {
  const { ruleSet } = input.snapshot;
  const sources = new RuleSources(input.files.ruleFiles);
  const uses = segmentUse(input.snapshot, input.examples, input.conversations);
  const findings = [
    ...ruleFindings(ruleSet, sources),
    ...unusedTemplates(ruleSet, input.files.templateFiles, sources),
    ...untestedRules(ruleSet, input.examples, input.conversations),
    ...ucs2Characters(ruleSet, input.files.templateFiles, sources),
    ...segmentBudgets(ruleSet, uses),
  ].sort(byPosition);
  const order = ruleSet.compiled.map((r) => r.id);
  const segments = [...uses.values()].sort((a, b) => order.indexOf(a.rule) - order.indexOf(b.rule));
  return { findings, segments };
}
