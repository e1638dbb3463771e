// Turns validated rules into a RuleSet: the candidate index, the listing and the version.

import { createHash } from 'node:crypto';
import type { Condition } from './conditions';
import type { CompiledRule, ComplianceConfig, RuleFile, RuleIndex, RuleSet } from './types';

type IndexKey = { list: 'byFirstWord' | 'byWholeText' | 'byAnyWord'; key: string };

/**
 * Keys under which a message can possibly satisfy this condition group, or null when any message
 * might (the rule is then checked for every message). One indexable condition of an AND is enough,
 * so the most selective one is used: keyword, then equals, contains_all, contains, any.
 */
export function indexKeys(group: Condition[]): IndexKey[] | null {
  const pick = <K extends Condition['kind']>(kind: K) =>
    group.find((c): c is Extract<Condition, { kind: K }> => c.kind === kind);
  const keyword = pick('keyword');
  if (keyword) return keyword.values.map((key) => ({ list: 'byFirstWord', key }));
  const equals = pick('equals');
  if (equals) return equals.values.map((key) => ({ list: 'byWholeText', key }));
  // Every word of a phrase is one of the message's words when the phrase is in the message; the
  // longest is used because long words are rarer, so fewer rules share its candidate list.
  const containsAll = pick('contains_all');
  if (containsAll) return [{ list: 'byAnyWord', key: longestWord(containsAll.phrases.flat()) }];
  const contains = pick('contains');
  if (contains) return contains.phrases.map((p) => ({ list: 'byAnyWord', key: longestWord(p) }));
  // An OR is indexable when each branch is: the union of the branches' keys.
  for (const c of group) {
    if (c.kind !== 'any') continue;
    const keys: IndexKey[] = [];
    for (const branch of c.groups) {
      const branchKeys = indexKeys(branch);
      if (branchKeys === null) {
        keys.length = 0;
        break;
      }
      keys.push(...branchKeys);
    }
    if (keys.length > 0) return keys;
  }
  return null;
}

function longestWord(words: string[]): string {
  return words.reduce((best, word) => (word.length > best.length ? word : best));
}

/** Lists stay in ascending rule order, so merging them at match time preserves first-match-wins. */
export function buildIndex(rules: readonly CompiledRule[]): RuleIndex {
  const index: RuleIndex = {
    byFirstWord: new Map(),
    byWholeText: new Map(),
    byAnyWord: new Map(),
    always: [],
  };
  rules.forEach((rule, position) => {
    if (!rule.enabled) return;
    const keys = indexKeys(rule.conditions);
    if (keys === null) {
      index.always.push(position);
      return;
    }
    for (const { list, key } of keys) {
      const map = index[list];
      const positions = map.get(key);
      if (positions === undefined) map.set(key, [position]);
      else if (positions[positions.length - 1] !== position) positions.push(position);
    }
  });
  return index;
}

/** Paths are hashed too, so renaming a file (which can reorder rules) changes the version. */
export function versionOf(files: readonly RuleFile[]): string {
  const hash = createHash('sha256');
  for (const file of files) hash.update(file.path).update('\0').update(file.content).update('\0');
  return hash.digest('hex').slice(0, 12);
}

export function buildRuleSet(
  files: readonly RuleFile[],
  rules: CompiledRule[],
  compliance: ComplianceConfig,
  warnings: string[],
  defaultTimezone: string,
): RuleSet {
  return {
    version: versionOf(files),
    files: files.map((f) => f.path),
    ruleCount: rules.length,
    rules: rules.map((rule) => ({
      id: rule.id,
      ...(rule.description === undefined ? {} : { description: rule.description }),
      enabled: rule.enabled,
      file: rule.file,
      line: rule.line,
      examples: [...rule.examples],
    })),
    compliance,
    warnings,
    defaultTimezone,
    compiled: rules,
    index: buildIndex(rules),
  };
}
