import { runExamples } from '../../../src/rules';
import { load } from './support';

test('each example must be answered by its own rule', () => {
  const ruleSet = load(`
rules:
  - id: hours
    when: {keyword: [hours, open]}
    examples: ["hours?", "When are you OPEN"]
  - id: price
    when: {contains: price}
    examples: ["price?", "hours and price"]
  - id: stop-words
    when: {contains: stop}
    examples: ["STOP", "please stop"]
`);
  const summary = runExamples(ruleSet).map(({ ruleId, example, ok, matched, kind }) => ({
    ruleId,
    example,
    ok,
    matched,
    kind,
  }));
  expect(summary).toEqual([
    { ruleId: 'hours', example: 'hours?', ok: true, matched: 'hours', kind: 'rule' },
    // keyword is the first word only
    { ruleId: 'hours', example: 'When are you OPEN', ok: false, matched: null, kind: 'none' },
    { ruleId: 'price', example: 'price?', ok: true, matched: 'price', kind: 'rule' },
    // shadowed by an earlier rule
    { ruleId: 'price', example: 'hours and price', ok: false, matched: 'hours', kind: 'rule' },
    // compliance keywords come before every rule
    { ruleId: 'stop-words', example: 'STOP', ok: false, matched: null, kind: 'opt_out' },
    { ruleId: 'stop-words', example: 'please stop', ok: true, matched: 'stop-words', kind: 'rule' },
  ]);
});

test("examples are tried in a setting that satisfies the rule's sender, state, media and first-message conditions", () => {
  const ruleSet = load(`
rules:
  - id: vip
    when: {from: ["+1415555*"], keyword: hi}
    examples: ["hi"]
  - id: main-line
    when: {to: "+18005550100", keyword: hi}
    examples: ["hi there"]
  - id: name
    when: {state: awaiting_name, regex: '^(?<name>\\p{L}+)$'}
    examples: ["Ana"]
  - id: photo
    when: {has_media: true}
    examples: ["look"]
  - id: welcome
    when: {first_message: true}
    examples: ["hello"]
  - id: returning
    when: {first_message: false, keyword: hello}
    examples: ["hello again"]
`);
  expect(runExamples(ruleSet).filter((r) => !r.ok)).toEqual([]);
});

test('time conditions: the example is tried at a moment the rule is active; others see Wednesday noon', () => {
  const ruleSet = load(
    `
rules:
  - id: after-hours
    when: {time: {days: mon-fri, between: "17:00-09:00"}}
    examples: ["anything"]
  - id: weekend
    when: {time: {days: [sat, sun], timezone: Asia/Tokyo}}
    examples: ["hello"]
  - id: hours
    when: {keyword: hours}
    examples: ["hours?"]
`,
    'America/New_York',
  );
  // "hours?" is not shadowed by after-hours: at Wednesday 12:00 in the default zone it is inactive.
  expect(runExamples(ruleSet).filter((r) => !r.ok)).toEqual([]);
});

test('disabled rules are not checked', () => {
  const ruleSet = load(
    'rules:\n  - id: off\n    enabled: false\n    when: {keyword: x}\n    examples: [x]\n',
  );
  expect(runExamples(ruleSet)).toEqual([]);
});

test('rules are listed with their examples', () => {
  const ruleSet = load(
    'rules:\n  - id: a\n    description: A\n    examples: [x, "y z"]\n  - id: b\n',
  );
  expect(ruleSet.rules).toEqual([
    {
      id: 'a',
      description: 'A',
      enabled: true,
      file: 'rules/test.yaml',
      line: 2,
      examples: ['x', 'y z'],
    },
    { id: 'b', enabled: true, file: 'rules/test.yaml', line: 5, examples: [] },
  ]);
});

test('each result carries the setting it was sent in, so a tool can render the reply', () => {
  const ruleSet = load(`
rules:
  - id: name
    when: {state: awaiting_name, to: "+18005550100"}
    examples: ["Ana"]
`);
  const [result] = runExamples(ruleSet);
  expect(result.message).toEqual({
    body: 'Ana',
    from: '+15555550100',
    to: '+18005550100',
    media: [],
  });
  expect(result.thread).toMatchObject({ state: 'awaiting_name', messageCount: 1, optedOut: false });
  expect(result.now.toISOString()).toBe('2024-01-03T12:00:00.000Z'); // Wednesday noon, UTC
});
