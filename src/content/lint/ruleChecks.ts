// Lint checks that need only the rules: order (unreachable, shadowed-rule, no-fallback), keywords
// that compliance or Twilio take first, and regexes open to catastrophic backtracking.

import { isScalar, isSeq, type Node } from 'yaml';
import { analyse } from 'scslre';
import { normalizeText, type CompiledRule, type RuleSet } from '../../rules';
import { compileRegex } from '../../rules/schema/conditions';
import { groupImplies } from './implies';
import type { RuleSources } from './sources';
import type { Finding, Severity } from './types';

/**
 * Keywords Twilio acts on itself on long codes and toll-free numbers, whatever our compliance
 * settings say: https://help.twilio.com/articles/223134027
 */
export const TWILIO_RESERVED_KEYWORDS = [
  'stop', 'stopall', 'unsubscribe', 'cancel', 'end', 'quit', 'revoke', 'optout',
  'start', 'yes', 'unstop', 'help', 'info',
]; // prettier-ignore

type Add = (
  rule: CompiledRule,
  severity: Severity,
  code: Finding['code'],
  message: string,
  node?: Node | null,
) => void;

export function ruleFindings(ruleSet: RuleSet, sources: RuleSources): Finding[] {
  const findings: Finding[] = [];
  const add: Add = (rule, severity, code, message, node) => {
    const at = (node ? sources.position(rule.id, node) : null) ?? {
      file: rule.file,
      line: rule.line,
      column: rule.column,
    };
    findings.push({ ...at, severity, code, message });
  };
  checkOrder(ruleSet, add);
  for (const rule of ruleSet.compiled) {
    if (!rule.enabled) continue;
    checkKeywords(ruleSet, rule, sources, add);
    checkRegexes(rule, sources, add);
  }
  return findings;
}

/** unreachable after a catch-all; shadowed-rule by an earlier rule; no-fallback when there is none. */
function checkOrder(ruleSet: RuleSet, add: Add): void {
  const enabled = ruleSet.compiled.filter((r) => r.enabled);
  const catchAll = enabled.find((r) => r.conditions.length === 0);
  enabled.forEach((rule, i) => {
    if (catchAll && i > enabled.indexOf(catchAll)) {
      add(
        rule,
        'error',
        'unreachable',
        `rule "${rule.id}" comes after "${catchAll.id}" (${catchAll.file}:${catchAll.line}), which has no conditions and answers every message`,
      );
      return;
    }
    if (rule.conditions.length === 0) return;
    const earlier = enabled
      .slice(0, i)
      .find(
        (a) =>
          a.conditions.length > 0 && a.conditions.every((c) => groupImplies(rule.conditions, c)),
      );
    if (earlier) {
      add(
        rule,
        'error',
        'shadowed-rule',
        `rule "${rule.id}" can never answer: every message it matches is answered first by "${earlier.id}" (${earlier.file}:${earlier.line}); move it above, or narrow "${earlier.id}"`,
      );
    }
  });
  if (!catchAll && enabled.length > 0) {
    const last = enabled[enabled.length - 1];
    add(
      last,
      'warning',
      'no-fallback',
      'no rule answers what the others do not: add a last rule without `when` (e.g. id: fallback, reply: {template: fallback}) so no texter is left without an answer',
    );
  }
}

/** A keyword (or whole-message value) that is also a compliance keyword or one of Twilio's. */
function checkKeywords(ruleSet: RuleSet, rule: CompiledRule, sources: RuleSources, add: Add): void {
  const c = ruleSet.compliance;
  for (const written of sources.conditions(rule.id)) {
    if (written.negated || (written.key !== 'keyword' && written.key !== 'equals')) continue;
    const items = isSeq(written.value) ? written.value.items : [written.value];
    for (const item of items) {
      if (!isScalar(item)) continue;
      const raw = String(item.value);
      const word = normalizeText(raw);
      const what = written.key === 'keyword' ? `keyword "${raw}"` : `"${raw}"`;
      let why: string | null = null;
      if (c.optOut.includes(word)) {
        why = `is an opt-out keyword: a message that is just "${word}" opts the contact out and never reaches this rule`;
      } else if (c.help.includes(word)) {
        why = `is a help keyword: a message that is just "${word}" gets the help reply, not this rule`;
      } else if (c.optIn.includes(word)) {
        why = `is an opt-in keyword: from an opted-out contact, "${word}" opts them back in instead of reaching this rule, and Twilio may answer it itself`;
      } else if (TWILIO_RESERVED_KEYWORDS.includes(word)) {
        why = `is one of Twilio's reserved keywords: Twilio acts on a message that is just "${word}" itself, whatever the rules say`;
      }
      if (why !== null) {
        add(
          rule,
          'warning',
          'compliance-keyword',
          `${what} ${why}; ask texters for another word`,
          item,
        );
      }
    }
  }
}

/**
 * Super-linear backtracking, found by scslre (the analysis behind eslint-plugin-regexp's
 * no-super-linear-backtracking): exponential is an error, polynomial a warning. "Move" reports
 * (an unanchored pattern retried at every position) are left out, as that rule does.
 */
function checkRegexes(rule: CompiledRule, sources: RuleSources, add: Add): void {
  for (const written of sources.conditions(rule.id)) {
    if (written.key !== 'regex' || !isScalar(written.value)) continue;
    const regex = compileRegex(String(written.value.value));
    if (typeof regex === 'string') continue;
    let reports;
    try {
      reports = analyse(regex).reports.filter((r) => r.type !== 'Move');
    } catch {
      continue; // a pattern scslre cannot parse; the loader accepted it, so it runs
    }
    const worst = reports.find((r) => r.exponential) ?? reports[0];
    if (!worst) continue;
    const quantifier =
      worst.type === 'Trade'
        ? `${worst.startQuant.raw}" and "${worst.endQuant.raw}`
        : worst.quant.raw;
    const attack = JSON.stringify(worst.character.pick);
    add(
      rule,
      worst.exponential ? 'error' : 'warning',
      'unsafe-regex',
      `regex can backtrack catastrophically (${worst.exponential ? 'exponential' : 'polynomial'} time) on a long run of ${attack}, at "${quantifier}"; make the repetitions unambiguous`,
      written.value,
    );
  }
}
