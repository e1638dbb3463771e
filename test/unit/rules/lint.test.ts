// `replybot rules lint`: each finding of SPEC §8 on a small bot, as `file:line:column severity code message`.
import { buildBotContent, type BotFiles } from '../../../src/content/botContent';
import { runConversation } from '../../../src/content/conversations';
import { formatFinding, lintBot } from '../../../src/content/lint';
import { groupImplies } from '../../../src/content/lint/implies';
import { readConversationTests, runExamples, type RuleSet } from '../../../src/rules';
import { load } from './support';

const TEMPLATES = [
  { path: 'templates/fallback.hbs', name: 'fallback', content: 'Sorry?\n' },
  { path: 'templates/help.hbs', name: 'help', content: 'Help!\n' },
  { path: 'templates/hours.hbs', name: 'hours', content: 'Open 7–7.\n' },
  { path: 'templates/unused.hbs', name: 'unused', content: 'Nobody sends me\n' },
  { path: 'templates/partials/sig.hbs', name: 'partials/sig', content: '- Cafe\n' },
  { path: 'templates/partials/lost.hbs', name: 'partials/lost', content: '- lost\n' },
];

function lint(rules: string, tests = '', templates = TEMPLATES): string[] {
  const files: BotFiles = {
    ruleFiles: [{ path: 'rules/main.yaml', content: rules }],
    templateFiles: templates,
  };
  const built = buildBotContent(files, 'UTC');
  if (!built.ok) throw new Error(built.errors.join('\n'));
  const snapshot = { ...built, version: 'test', loadedAt: new Date() };
  const read = readConversationTests(tests ? [{ path: 'rules/tests/t.yaml', content: tests }] : []);
  if (!read.ok) throw new Error(JSON.stringify(read.errors));
  const report = lintBot({
    files,
    snapshot,
    examples: runExamples(built.ruleSet),
    conversations: read.tests.map((t) => runConversation(snapshot, t, '+14155550100')),
  });
  return report.findings.map(formatFinding);
}

const FALLBACK = '  - id: fallback\n    reply: {template: fallback}\n    examples: [zzz]\n';

it('a clean bot has no findings', () => {
  expect(
    lint(
      `rules:
  - id: hours
    when: {keyword: hours}
    reply: {text: "Open. {{> sig}}"}
    examples: [hours]
${FALLBACK}`,
      '',
      TEMPLATES.filter(
        (t) =>
          !['templates/unused.hbs', 'templates/hours.hbs', 'templates/partials/lost.hbs'].includes(
            t.path,
          ),
      ),
    ),
  ).toEqual([]);
});

it('reports each kind of finding where the editor has to look', () => {
  const rules = `settings: {max_segments: 1}
rules:
  - id: hours
    when: {keyword: [hours, open]}
    reply: {template: hours}
    examples: [hours]
  - id: opening
    when: {keyword: open, contains: today}
    reply: {text: "Open today"}
  - id: confirm
    when: {any: [{keyword: [ok, yes]}, {equals: [cancel, info]}]}
    reply: {text: '“Done” — {{> sig}}'}
    examples: [ok]
  - id: order
    when: {regex: '^(\\d+)+x$'}
    reply: {text: "Order {{message.body}}"}
    examples: [12x]
  - id: rating
    when: {regex: '^\\s*(\\d+)\\s*(?:/\\s*5)?\\s*$'}
    reply: {text: "Thanks"}
  - id: long
    when: {keyword: long}
    reply: {text: "{{message.body}}"}
    max_segments: 2
${FALLBACK}  - id: after
    when: {keyword: late}
    reply: {text: Never}
`;
  const tests = `conversations:
  - name: long
    steps:
      - send: "long ${'x'.repeat(400)}"
`;
  expect(lint(rules, tests)).toEqual([
    'rules/main.yaml:7:5 error shadowed-rule rule "opening" can never answer: every message it matches is answered first by "hours" (rules/main.yaml:3); move it above, or narrow "hours"',
    'rules/main.yaml:7:5 warning untested-rule rule "opening" is not reached by any example or conversation test; add an example or a conversation in tests/',
    'rules/main.yaml:11:33 warning compliance-keyword keyword "yes" is an opt-in keyword: from an opted-out contact, "yes" opts them back in instead of reaching this rule, and Twilio may answer it itself; ask texters for another word',
    'rules/main.yaml:11:50 warning compliance-keyword "cancel" is an opt-out keyword: a message that is just "cancel" opts the contact out and never reaches this rule; ask texters for another word',
    'rules/main.yaml:11:58 warning compliance-keyword "info" is a help keyword: a message that is just "info" gets the help reply, not this rule; ask texters for another word',
    'rules/main.yaml:12:20 warning ucs2-character “ (U+201C LEFT DOUBLE QUOTATION MARK) makes the whole message UCS-2 (70 characters a segment instead of 160); use "\\"" instead',
    'rules/main.yaml:12:25 warning ucs2-character ” (U+201D RIGHT DOUBLE QUOTATION MARK) makes the whole message UCS-2 (70 characters a segment instead of 160); use "\\"" instead',
    'rules/main.yaml:12:27 warning ucs2-character — (U+2014 EM DASH) makes the whole message UCS-2 (70 characters a segment instead of 160); use "-" instead',
    'rules/main.yaml:15:19 error unsafe-regex regex can backtrack catastrophically (exponential time) on a long run of "0", at "\\d+"; make the repetitions unambiguous',
    'rules/main.yaml:18:5 warning untested-rule rule "rating" is not reached by any example or conversation test; add an example or a conversation in tests/',
    'rules/main.yaml:19:19 warning unsafe-regex regex can backtrack catastrophically (polynomial time) on a long run of " ", at "\\s*" and "\\s*"; make the repetitions unambiguous',
    'rules/main.yaml:21:5 error segment-budget rule "long" sends 3 segments (GSM-7, 405 characters) with the data of conversation "long" (rules/tests/t.yaml:4:9); its budget is 2 (max_segments)',
    'rules/main.yaml:28:5 error unreachable rule "after" comes after "fallback" (rules/main.yaml:25), which has no conditions and answers every message',
    'rules/main.yaml:28:5 warning untested-rule rule "after" is not reached by any example or conversation test; add an example or a conversation in tests/',
    'templates/hours.hbs:1:7 warning ucs2-character – (U+2013 EN DASH) makes the whole message UCS-2 (70 characters a segment instead of 160); use "-" instead',
    'templates/partials/lost.hbs:1:1 warning unused-template partial "lost" is not used by any template or rule',
    'templates/unused.hbs:1:1 warning unused-template template "unused" is not used by any rule or compliance setting (sent only through the API or a schedule? then ignore this)',
  ]);
});

it('warns when no rule answers what the others do not, and about keywords Twilio reserves', () => {
  expect(
    lint(
      `compliance: {opt_out: [stop], opt_in: [], help: [help]}
rules:
  - id: hours
    when: {keyword: [hours, start]}
    reply: {text: "Open"}
    examples: [hours]
`,
      '',
      TEMPLATES.filter((t) =>
        ['templates/fallback.hbs', 'templates/help.hbs', 'templates/partials/sig.hbs'].includes(
          t.path,
        ),
      ).map((t) => (t.name === 'fallback' ? { ...t, content: '{{> sig}}' } : t)),
    ),
  ).toEqual([
    'rules/main.yaml:3:5 warning no-fallback no rule answers what the others do not: add a last rule without `when` (e.g. id: fallback, reply: {template: fallback}) so no texter is left without an answer',
    'rules/main.yaml:4:29 warning compliance-keyword keyword "start" is one of Twilio\'s reserved keywords: Twilio acts on a message that is just "start" itself, whatever the rules say; ask texters for another word',
  ]);
});

describe('shadowing is proved, never guessed', () => {
  const ruleSet = (yaml: string): RuleSet => load(`rules:\n${yaml}`);
  const shadows = (earlier: string, later: string) => {
    const set = ruleSet(`  - id: a\n    when: ${earlier}\n  - id: b\n    when: ${later}\n`);
    const [a, b] = set.compiled;
    return a.conditions.every((c) => groupImplies(b.conditions, c));
  };

  it.each([
    ['{keyword: [hi, hello]}', '{keyword: hi, from: "+1415*"}'],
    ['{keyword: book}', "{starts_with: 'book '}"],
    ['{keyword: menu}', '{equals: [menu, menu please]}'],
    ['{contains: price}', '{contains: [price list, the price]}'],
    ['{contains: [oat milk]}', '{contains_all: [oat milk, please]}'],
    ['{contains_all: [oat, milk]}', '{contains: [oat milk]}'],
    ["{starts_with: 'bo'}", "{starts_with: 'book '}"],
    ['{number: {min: 1}}', '{number: {min: 2, max: 5}}'],
    ['{from: ["+1415*"]}', '{from: ["+14155550100", "+141555501*"]}'],
    ['{state: booked}', '{state: booked, keyword: x}'],
    ['{time: {days: [sat, sun]}}', "{time: {days: sat, between: '09:00-17:00'}}"],
    ['{any: [{keyword: hi}, {keyword: hey}]}', '{keyword: hey}'],
    ['{keyword: [hi, hey]}', '{any: [{keyword: hi}, {keyword: hey}]}'],
    ['{not: {from: ["+1*"]}}', '{not: {from: ["+1*"]}, keyword: x}'],
    ["{regex: '^a'}", "{regex: '^a', state: x}"],
  ])('%s answers everything %s would', (earlier, later) => {
    expect(shadows(earlier, later)).toBe(true);
  });

  it.each([
    ['{keyword: book}', "{starts_with: 'book'}"], // "booking" starts with it
    ['{contains: [oat milk]}', '{contains_all: [oat, milk]}'], // "milk and oat"
    ['{number: {min: 1, max: 5}}', '{number: {min: 1}}'],
    ['{from: ["+14155550100"]}', '{from: ["+1415555*"]}'],
    ['{state: booked}', '{state: null}'],
    ["{time: {days: sat, between: '09:00-17:00'}}", '{time: {days: sat}}'],
    ["{regex: '^a'}", "{regex: '^ab'}"], // it does, but regexes are only compared as text
    ['{any: [{keyword: hi}, {keyword: hey}]}', '{keyword: [hey, yo]}'],
    ['{keyword: hi, has_media: true}', '{keyword: hi}'],
  ])('%s does not shadow %s', (earlier, later) => {
    expect(shadows(earlier, later)).toBe(false);
  });
});
