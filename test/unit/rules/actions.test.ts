import { decideBody, load } from './support';

/** The decision for "go" against one rule with `when: {keyword: go}` and the given actions. */
function decisionFor(actions: string) {
  const ruleSet = load(
    `rules:\n  - id: r\n    description: The rule\n    when: {keyword: go}\n${actions}`,
  );
  return decideBody(ruleSet, 'go');
}

test('a rule without actions decides `rule` with nothing to do', () => {
  const ruleSet = load('rules:\n  - id: quiet\n    when: {keyword: go}\n');
  expect(decideBody(ruleSet, 'go')).toEqual({
    kind: 'rule',
    rule: { id: 'quiet' },
    match: { keyword: 'go' },
    reply: null,
    set: {},
    tags: { add: [], remove: [] },
    schedule: null,
  });
});

test.each([
  ['    reply: {template: hours}\n', { template: 'hours', media: [] }],
  ['    reply: {template: promo/summer}\n', { template: 'promo/summer', media: [] }],
  [
    '    reply: {text: "We open at {{vars.open}}"}\n',
    { text: 'We open at {{vars.open}}', media: [] },
  ],
  [
    '    reply:\n      text: Map\n      media: ["https://example.com/map.png", "https://x/{{vars.id}}.jpg"]\n',
    { text: 'Map', media: ['https://example.com/map.png', 'https://x/{{vars.id}}.jpg'] },
  ],
  ['    reply: {text: Hi, media: []}\n', { text: 'Hi', media: [] }],
  ['    reply:\n', null],
])('reply %j', (yaml, reply) => {
  expect(decisionFor(yaml).reply).toEqual(reply);
});

test('the decision names the rule and its description', () => {
  expect(decisionFor('').rule).toEqual({ id: 'r', description: 'The rule' });
});

test('set passes template sources through unrendered; numbers and booleans become text', () => {
  const d = decisionFor('    set: {name: "{{message.body}}", count: 0, vip: true, plain: hello}\n');
  expect(d.set).toEqual({ name: '{{message.body}}', count: '0', vip: 'true', plain: 'hello' });
});

test.each([
  ['', undefined],
  ['    state: awaiting_name\n', 'awaiting_name'],
  ['    state: null\n', null],
  ['    state:\n', null],
])('state %j → %j (undefined leaves the thread unchanged, null clears it)', (yaml, expected) => {
  const d = decisionFor(yaml);
  expect(d.state).toBe(expected);
  expect('state' in d).toBe(expected !== undefined);
});

test.each([
  ['    tags: {add: [vip, "  lead "]}\n', { add: ['vip', 'lead'], remove: [] }],
  ['    tags: {remove: vip}\n', { add: [], remove: ['vip'] }],
  ['    tags: {add: [a], remove: [b, c]}\n', { add: ['a'], remove: ['b', 'c'] }],
])('tags %j', (yaml, tags) => {
  expect(decisionFor(yaml).tags).toEqual(tags);
});

test.each([
  ['45s', 45_000],
  ['30m', 1_800_000],
  ['2h', 7_200_000],
  ['1d', 86_400_000],
  ['1h30m', 5_400_000],
  ['2H', 7_200_000],
])('schedule in %s → %d ms', (duration, inMs) => {
  const d = decisionFor(`    schedule: {in: ${duration}, template: follow-up}\n`);
  expect(d.schedule).toEqual({ inMs, template: 'follow-up' });
});

test('schedule with inline text', () => {
  expect(
    decisionFor('    schedule: {in: 1d, text: "Still there, {{vars.name}}?"}\n').schedule,
  ).toEqual({
    inMs: 86_400_000,
    text: 'Still there, {{vars.name}}?',
  });
});

test('changing a decision does not change the loaded rule', () => {
  const ruleSet = load(
    'rules:\n  - id: r\n    reply: {text: hi, media: [a]}\n    tags: {add: [x]}\n    set: {k: v}\n',
  );
  const first = decideBody(ruleSet, 'x');
  first.reply?.media.push('b');
  first.tags.add.push('y');
  first.set.k = 'changed';
  const second = decideBody(ruleSet, 'x');
  expect(second.reply?.media).toEqual(['a']);
  expect(second.tags.add).toEqual(['x']);
  expect(second.set).toEqual({ k: 'v' });
});
