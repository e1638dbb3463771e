// Lint checks that need the templates and the test runs: unused-template, untested-rule,
// ucs2-character and segment-budget (replies rendered with the examples' and conversations' data).

import { countSegments, type SmsEncoding } from '../../outbound/segments';
import type { ExampleResult, RuleSet } from '../../rules';
import type { TemplateFile } from '../../templates';
import type { BotContentSnapshot } from '../botContent';
import type { ConversationResult } from '../conversations';
import { evaluate, FALLBACK_TEMPLATE } from '../evaluate';
import { describeChar, lookAlikesIn } from './gsm';
import type { RuleSources } from './sources';
import type { Finding } from './types';

const PARTIALS = 'partials/';
// `{{> name}}`, `{{#> name}}`, `{{~> name}}`: static partial references.
const PARTIAL_REFERENCE = /\{\{~?#?>\s*([^\s}~()]+)/g;

export function unusedTemplates(
  ruleSet: RuleSet,
  templateFiles: readonly TemplateFile[],
  sources: RuleSources,
): Finding[] {
  const used = new Set<string>([FALLBACK_TEMPLATE]);
  const c = ruleSet.compliance;
  for (const name of [c.helpTemplate, c.optInTemplate, c.optOutTemplate]) if (name) used.add(name);
  const inline: string[] = [];
  for (const rule of ruleSet.compiled) {
    if (rule.reply?.template) used.add(rule.reply.template);
    if (rule.schedule?.template) used.add(rule.schedule.template);
    inline.push(...sources.inlineTexts(rule.id).map((t) => t.text));
  }
  const partialsUsed = new Set<string>();
  for (const text of [...templateFiles.map((f) => f.content), ...inline]) {
    for (const m of text.matchAll(PARTIAL_REFERENCE)) partialsUsed.add(m[1]);
  }
  const findings: Finding[] = [];
  for (const file of templateFiles) {
    const partial = file.name.startsWith(PARTIALS) ? file.name.slice(PARTIALS.length) : null;
    if (partial === null ? used.has(file.name) : partialsUsed.has(partial)) continue;
    findings.push({
      file: file.path,
      line: 1,
      column: 1,
      severity: 'warning',
      code: 'unused-template',
      message:
        partial === null
          ? `template "${file.name}" is not used by any rule or compliance setting (sent only through the API or a schedule? then ignore this)`
          : `partial "${partial}" is not used by any template or rule`,
    });
  }
  return findings;
}

export function untestedRules(
  ruleSet: RuleSet,
  examples: readonly ExampleResult[],
  conversations: readonly ConversationResult[],
): Finding[] {
  const reached = new Set<string>();
  for (const e of examples) if (e.matched) reached.add(e.matched);
  for (const c of conversations) for (const s of c.steps) if (s.rule) reached.add(s.rule);
  return ruleSet.compiled
    .filter((r) => r.enabled && !reached.has(r.id))
    .map((r) => ({
      file: r.file,
      line: r.line,
      column: r.column,
      severity: 'warning' as const,
      code: 'untested-rule' as const,
      message: `rule "${r.id}" is not reached by any example or conversation test; add an example or a conversation in tests/`,
    }));
}

export function ucs2Characters(
  ruleSet: RuleSet,
  templateFiles: readonly TemplateFile[],
  sources: RuleSources,
): Finding[] {
  const findings: Finding[] = [];
  const report = (
    at: { file: string; line: number; column: number },
    char: string,
    found: ReturnType<typeof lookAlikesIn>[number],
  ) => {
    const use =
      found.lookAlike.replacement === ''
        ? 'remove it'
        : `use ${JSON.stringify(found.lookAlike.replacement)} instead`;
    findings.push({
      ...at,
      severity: 'warning',
      code: 'ucs2-character',
      message: `${describeChar(char, found.lookAlike)} makes the whole message UCS-2 (70 characters a segment instead of 160); ${use}`,
    });
  };
  for (const file of templateFiles) {
    const lines = file.content.split('\n');
    lines.forEach((text, i) => {
      for (const found of lookAlikesIn(text)) {
        report({ file: file.path, line: i + 1, column: found.index + 1 }, found.char, found);
      }
    });
  }
  for (const rule of ruleSet.compiled) {
    for (const text of sources.inlineTexts(rule.id)) {
      const seen = new Map<string, number>();
      for (const found of lookAlikesIn(text.text)) {
        const n = seen.get(found.char) ?? 0;
        seen.set(found.char, n + 1);
        report(sources.positionIn(text, found.char, n), found.char, found);
      }
    }
  }
  return findings;
}

/** The costliest message a rule sent in the examples and conversations. */
export interface SegmentUse {
  rule: string;
  encoding: SmsEncoding;
  segments: number;
  characters: number;
  /** Where that message came from: an example, or a conversation step. */
  sample: string;
  budget?: number;
}

export function segmentUse(
  snapshot: BotContentSnapshot,
  examples: readonly ExampleResult[],
  conversations: readonly ConversationResult[],
): Map<string, SegmentUse> {
  const worst = new Map<string, SegmentUse>();
  const consider = (rule: string | null, body: string, sample: string) => {
    if (rule === null || body === '') return;
    const count = countSegments(body);
    const current = worst.get(rule);
    if (current && current.segments >= count.segments) return;
    worst.set(rule, {
      rule,
      encoding: count.encoding,
      segments: count.segments,
      characters: count.characters,
      sample,
    });
  };
  for (const e of examples) {
    if (!e.matched) continue;
    const outcome = evaluate(snapshot, {
      message: e.message,
      thread: { ...e.thread, firstSeen: null },
      now: e.now,
    });
    for (const reply of outcome.replies)
      consider(e.matched, reply.body, `example ${JSON.stringify(e.example)}`);
  }
  for (const c of conversations) {
    for (const s of c.steps) {
      const at = `${s.step.file}:${s.step.line}:${s.step.column}`;
      for (const body of s.replies) consider(s.rule, body, `conversation "${c.test.name}" (${at})`);
      for (const f of s.sent)
        if (f.body !== null)
          consider(f.rule, f.body, `follow-up in conversation "${c.test.name}" (${at})`);
    }
  }
  for (const rule of snapshot.ruleSet.compiled) {
    const use = worst.get(rule.id);
    if (use && rule.maxSegments !== undefined) use.budget = rule.maxSegments;
  }
  return worst;
}

export function segmentBudgets(ruleSet: RuleSet, uses: Map<string, SegmentUse>): Finding[] {
  const findings: Finding[] = [];
  for (const rule of ruleSet.compiled) {
    const use = uses.get(rule.id);
    if (!use || rule.maxSegments === undefined || use.segments <= rule.maxSegments) continue;
    findings.push({
      file: rule.file,
      line: rule.line,
      column: rule.column,
      severity: 'error',
      code: 'segment-budget',
      message: `rule "${rule.id}" sends ${use.segments} segments (${use.encoding}, ${use.characters} characters) with the data of ${use.sample}; its budget is ${rule.maxSegments} (max_segments)`,
    });
  }
  return findings;
}
