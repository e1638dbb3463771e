// Builders shared by the rule engine's tests: a rule set from YAML text, messages and threads.

import { decide, formatLoadError, loadRuleSet } from '../../../src/rules';
import type {
  Decision,
  InboundForMatching,
  RuleFile,
  RuleLoadError,
  RuleSet,
  ThreadSnapshot,
} from '../../../src/rules';

export const KNOWN_TEMPLATES: ReadonlySet<string> = new Set([
  'help',
  'hours',
  'follow-up',
  'promo/summer',
  'stopped',
  'welcome-back',
]);

export const OPTIONS = { knownTemplates: KNOWN_TEMPLATES, defaultTimezone: 'UTC' };

/** Loads files that must be valid; a failure shows the load errors in the test output. */
export function loadFiles(files: RuleFile[], defaultTimezone = 'UTC'): RuleSet {
  const result = loadRuleSet(files, { knownTemplates: KNOWN_TEMPLATES, defaultTimezone });
  if (!result.ok)
    throw new Error(`unexpected load errors:\n${result.errors.map(formatLoadError).join('\n')}`);
  return result.ruleSet;
}

export function load(yaml: string, defaultTimezone = 'UTC'): RuleSet {
  return loadFiles([{ path: 'rules/test.yaml', content: yaml }], defaultTimezone);
}

/** Load errors as `file:line:column message` lines. */
export function loadErrors(files: RuleFile[] | string): string[] {
  const list = typeof files === 'string' ? [{ path: 'rules/test.yaml', content: files }] : files;
  const result = loadRuleSet(list, OPTIONS);
  if (result.ok) throw new Error('expected load errors, but the rules loaded');
  return result.errors.map((e: RuleLoadError) => formatLoadError(e));
}

export function message(body: string, extra: Partial<InboundForMatching> = {}): InboundForMatching {
  return { body, from: '+14155550123', to: '+14155550100', media: [], ...extra };
}

export function thread(extra: Partial<ThreadSnapshot> = {}): ThreadSnapshot {
  return { state: null, vars: {}, tags: [], messageCount: 3, optedOut: false, ...extra };
}

/** A Wednesday, 12:00 UTC. */
export const NOON_WEDNESDAY = new Date('2024-01-03T12:00:00Z');

export function decideBody(
  ruleSet: RuleSet,
  body: string,
  options: {
    message?: Partial<InboundForMatching>;
    thread?: Partial<ThreadSnapshot>;
    now?: Date;
  } = {},
): Decision {
  return decide(
    ruleSet,
    message(body, options.message),
    thread(options.thread),
    options.now ?? NOON_WEDNESDAY,
  );
}

/** The id of the rule that answers, or the decision kind when no rule does. */
export function answer(
  ruleSet: RuleSet,
  body: string,
  options: Parameters<typeof decideBody>[2] = {},
) {
  const d = decideBody(ruleSet, body, options);
  return d.kind === 'rule' ? d.rule?.id : d.kind;
}
