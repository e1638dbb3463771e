// Benchmark of rule matching: decide() through the candidate index against a same-run baseline
// that checks every rule in order, for rule sets of 10, 1,000 and 10,000 rules.
// Run: npx tsx bench/rules.bench.ts

import { decide, formatLoadError, loadRuleSet } from '../src/rules';
import type { InboundForMatching, RuleSet, ThreadSnapshot } from '../src/rules';
import { decideWithoutIndex } from '../src/rules/decide';

const SIZES = [10, 1_000, 10_000];
const THREAD: ThreadSnapshot = {
  state: null,
  vars: {},
  tags: [],
  messageCount: 2,
  optedOut: false,
};
const NOW = new Date('2024-01-03T12:00:00Z');

/** Mostly keyword rules; about 1% contains rules and 0.5% regex rules (at least one of each). */
function rulesYaml(size: number): { yaml: string; lastKeyword: string; lastContains: string } {
  const regexEvery = Math.max(2, Math.round(size / Math.max(1, Math.round(size * 0.005))));
  const containsEvery = Math.max(3, Math.round(size / Math.max(1, Math.round(size * 0.01))));
  const lines = ['rules:'];
  let lastKeyword = '';
  let lastContains = '';
  for (let i = 0; i < size; i++) {
    lines.push(`  - id: rule-${i}`);
    if (i % regexEvery === regexEvery - 1) {
      lines.push(`    when: {regex: '^ref${i}\\s+(?<ref>\\d{4,10})$'}`);
    } else if (i % containsEvery === containsEvery - 2) {
      lastContains = `topic${i}`;
      lines.push(`    when: {contains: ["about ${lastContains}", "${lastContains}x"]}`);
    } else {
      lastKeyword = `kw${i.toString(36)}`;
      lines.push(`    when: {keyword: [${lastKeyword}, alt${i.toString(36)}]}`);
    }
    lines.push(`    reply: {text: "Reply {{match.keyword}} ${i}"}`);
  }
  return { yaml: `${lines.join('\n')}\n`, lastKeyword, lastContains };
}

function messagesFor(lastKeyword: string, lastContains: string): InboundForMatching[] {
  const bodies = [
    'KW0 please', // hit on the first rule
    'kw1?', // hit early
    `${lastKeyword}!`, // hit on the last keyword rule
    `tell me about ${lastContains} please`, // contains hit, late
    'ref9 123456', // regex miss (no such regex id) after checking the regex rules
    'hello there, how are you today?', // miss
    'Is the shop open on Sunday afternoon 🙂', // miss
    'x'.repeat(160), // miss, one long word
  ];
  return bodies.map((body) => ({ body, from: '+14155550123', to: '+14155550100', media: [] }));
}

type DecideFn = typeof decide;

/** Per-call timings in µs over all messages, after a warm-up. */
function measure(
  fn: DecideFn,
  ruleSet: RuleSet,
  messages: InboundForMatching[],
  rounds: number,
): number[] {
  for (let i = 0; i < Math.min(rounds, 200); i++)
    for (const m of messages) fn(ruleSet, m, THREAD, NOW);
  const samples: number[] = [];
  for (let i = 0; i < rounds; i++) {
    for (const m of messages) {
      const start = process.hrtime.bigint();
      fn(ruleSet, m, THREAD, NOW);
      samples.push(Number(process.hrtime.bigint() - start) / 1000);
    }
  }
  return samples.sort((a, b) => a - b);
}

const percentile = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

export async function runRulesBench(): Promise<void> {
  console.log('rules: µs per message (median / p99), index vs linear scan of every rule');
  for (const size of SIZES) {
    const { yaml, lastKeyword, lastContains } = rulesYaml(size);
    const loadStart = process.hrtime.bigint();
    const result = loadRuleSet([{ path: `bench/${size}.yaml`, content: yaml }], {
      knownTemplates: new Set(['help']),
      defaultTimezone: 'UTC',
    });
    const loadMs = Number(process.hrtime.bigint() - loadStart) / 1e6;
    if (!result.ok) throw new Error(result.errors.slice(0, 5).map(formatLoadError).join('\n'));
    const ruleSet = result.ruleSet;
    const messages = messagesFor(lastKeyword, lastContains);
    // Sanity check: both strategies must agree on every message.
    for (const m of messages) {
      const a = JSON.stringify(decide(ruleSet, m, THREAD, NOW));
      const b = JSON.stringify(decideWithoutIndex(ruleSet, m, THREAD, NOW));
      if (a !== b) throw new Error(`index and linear scan disagree on ${JSON.stringify(m.body)}`);
    }
    const indexed = measure(decide, ruleSet, messages, 5_000);
    const linear = measure(decideWithoutIndex, ruleSet, messages, size >= 10_000 ? 100 : 1_000);
    const fmt = (n: number): string => n.toFixed(1).padStart(8);
    console.log(
      `${String(size).padStart(6)} rules (${ruleSet.index.always.length} always-candidates, ` +
        `load ${loadMs.toFixed(0)} ms): index ${fmt(percentile(indexed, 50))} / ${fmt(percentile(indexed, 99))}` +
        `   linear ${fmt(percentile(linear, 50))} / ${fmt(percentile(linear, 99))}`,
    );
  }
}

if (require.main === module) {
  runRulesBench().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
