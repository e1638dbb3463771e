import { formatLoadError, loadRuleSet } from '../../../src/rules';
import { buildTemplateStore } from '../../../src/templates';
import { OPTIONS, answer, loadErrors, loadFiles } from './support';

// Each case is a whole file (rules/test.yaml) and the exact errors it must produce. Positions are
// 1-based line:column of the node an editor has to change. Bad condition and action values are
// in load-errors-values.test.ts.
const cases: [string, string, string[]][] = [
  // YAML syntax
  [
    'unclosed flow sequence',
    'rules:\n  - id: a\n    when: {keyword: [a, b}\n',
    [
      'rules/test.yaml:3:26 Flow sequence in block collection must be sufficiently indented and end with a ]',
      'rules/test.yaml:3:27 Flow map in block collection must be sufficiently indented and end with a }',
    ],
  ],
  [
    'tab indentation',
    'rules:\n\t- id: a\n',
    ['rules/test.yaml:2:1 Tabs are not allowed as indentation'],
  ],
  [
    'duplicate key in a mapping',
    'rules:\n  - id: a\n    id: b\n',
    ['rules/test.yaml:3:5 Map keys must be unique'],
  ],
  // unknown keys, at every level
  [
    'unknown top-level key',
    'rule:\n  - id: a\n',
    ['rules/test.yaml:1:1 unknown key "rule" in the file (top level) (did you mean "rules"?)'],
  ],
  [
    'unknown rule key',
    'rules:\n  - id: a\n    priority: 1\n',
    [
      'rules/test.yaml:3:5 unknown key "priority" in rules[0]; expected one of: id, description, enabled, when, reply, set, state, tags, schedule, examples, max_segments',
    ],
  ],
  [
    'a condition written on the rule instead of under when',
    'rules:\n  - id: a\n    keyword: hi\n',
    ['rules/test.yaml:3:5 unknown key "keyword" in rules[0] (conditions go under "when:")'],
  ],
  [
    'unknown condition',
    'rules:\n  - id: a\n    when: {kewyord: hi}\n',
    ['rules/test.yaml:3:12 unknown key "kewyord" in when (did you mean "keyword"?)'],
  ],
  [
    'unknown key inside any',
    'rules:\n  - id: a\n    when:\n      any:\n        - keyword: hi\n        - regexp: x\n',
    ['rules/test.yaml:6:11 unknown key "regexp" in when.any[1] (did you mean "regex"?)'],
  ],
  [
    'unknown reply key',
    'rules:\n  - id: a\n    reply: {text: hi, delay: 5}\n',
    ['rules/test.yaml:3:23 unknown key "delay" in reply; expected one of: template, text, media'],
  ],
  [
    'unknown tags key',
    'rules:\n  - id: a\n    tags: {added: [x]}\n',
    ['rules/test.yaml:3:12 unknown key "added" in tags (did you mean "add"?)'],
  ],
  [
    'unknown schedule key',
    'rules:\n  - id: a\n    schedule: {in: 2h, text: hi, at: "09:00"}\n',
    ['rules/test.yaml:3:34 unknown key "at" in schedule (did you mean "in"?)'],
  ],
  [
    'unknown time key',
    'rules:\n  - id: a\n    when: {time: {days: mon, tz: UTC}}\n',
    [
      'rules/test.yaml:3:30 unknown key "tz" in when.time; expected one of: days, between, timezone',
    ],
  ],
  [
    'unknown number key',
    'rules:\n  - id: a\n    when: {number: {minimum: 1}}\n',
    ['rules/test.yaml:3:21 unknown key "minimum" in when.number; expected one of: min, max'],
  ],
  // wrong types
  [
    'rules that are not a list',
    'rules: {id: a}\n',
    ['rules/test.yaml:1:8 rules must be a list of rules (each starting with "- id: …")'],
  ],
  [
    'a file that is not a mapping',
    '- id: a\n',
    ['rules/test.yaml:1:1 the file (top level) must be a mapping'],
  ],
  [
    'a rule that is not a mapping',
    'rules:\n  - hours\n',
    ['rules/test.yaml:2:5 rules[0] must be a mapping'],
  ],
  [
    'enabled that is not a boolean',
    'rules:\n  - id: a\n    enabled: "no"\n',
    ['rules/test.yaml:3:14 enabled must be true or false'],
  ],
  [
    'keyword that is a mapping',
    'rules:\n  - id: a\n    when: {keyword: {a: 1}}\n',
    ['rules/test.yaml:3:21 when.keyword must be a string or a list of strings'],
  ],
  [
    'a list item that is not a string',
    'rules:\n  - id: a\n    when: {contains: [price, [cost]]}\n',
    ['rules/test.yaml:3:30 each item of when.contains must be a string'],
  ],
  [
    'first_message that is not a boolean',
    'rules:\n  - id: a\n    when: {first_message: "true"}\n',
    ['rules/test.yaml:3:27 when.first_message must be true or false'],
  ],
  [
    'number bounds that are not numbers',
    'rules:\n  - id: a\n    when: {number: {min: one}}\n',
    ['rules/test.yaml:3:26 when.number.min must be a number'],
  ],
  [
    'state that is a list',
    'rules:\n  - id: a\n    state: [a]\n',
    ['rules/test.yaml:3:12 state must be a string'],
  ],
  [
    'examples that are a mapping',
    'rules:\n  - id: a\n    examples: {a: b}\n',
    ['rules/test.yaml:3:15 examples must be a string or a list of strings'],
  ],
  [
    'a when that is a list',
    'rules:\n  - id: a\n    when: [keyword: hi]\n',
    ['rules/test.yaml:3:11 when must be a mapping'],
  ],
  [
    'a condition left empty',
    'rules:\n  - id: a\n    when:\n      keyword:\n',
    ['rules/test.yaml:4:7 when.keyword must be a string or a list of strings'],
  ],
  [
    'a flow-mapping key without value',
    'rules:\n  - id: a\n    when: {has_media}\n',
    ['rules/test.yaml:3:12 when.has_media must be true or false'],
  ],
  [
    'an empty keyword list',
    'rules:\n  - id: a\n    when: {keyword: []}\n',
    ['rules/test.yaml:3:21 when.keyword must list at least one value'],
  ],
  // ids
  [
    'a rule without id',
    'rules:\n  - when: {keyword: hi}\n',
    ['rules/test.yaml:2:5 rule needs an "id"'],
  ],
  [
    'unknown settings key',
    'settings: {max_segment: 2}\nrules: []\n',
    ['rules/test.yaml:1:12 unknown key "max_segment" in settings (did you mean "max_segments"?)'],
  ],
  [
    'a segment budget that is not a whole number of at least 1',
    'settings: {max_segments: 0}\nrules:\n  - id: a\n    max_segments: 1.5\n',
    [
      'rules/test.yaml:1:26 settings.max_segments must be a whole number of at least 1, got 0',
      'rules/test.yaml:4:19 max_segments must be a whole number of at least 1, got 1.5',
    ],
  ],
  ['an empty id', 'rules:\n  - id: ""\n', ['rules/test.yaml:2:9 id must not be empty']],
  [
    'a duplicate id in one file',
    'rules:\n  - id: a\n  - id: b\n  - id: a\n',
    ['rules/test.yaml:4:9 duplicate rule id "a" (first defined at rules/test.yaml:2:9)'],
  ],
];

test.each(cases)('%s', (_name, yaml, expected) => {
  expect(loadErrors(yaml)).toEqual(expected);
});

test('every error in every file is reported, in file and position order', () => {
  const errors = loadErrors([
    {
      path: 'rules/10-a.yaml',
      content: [
        'rules:',
        '  - id: hours',
        '    when: {keyword: hours, regex: "("}',
        '    reply: {template: nope}',
        '  - id: ok',
        '  - description: no id',
        '',
      ].join('\n'),
    },
    {
      path: 'rules/20-b.yaml',
      content: 'rules:\n  - id: hours\n    when: {time: {timezone: X/Y, days: mon}}\n',
    },
    { path: 'rules/30-c.yaml', content: 'rules: [\n' },
  ]);
  expect(errors).toEqual([
    'rules/10-a.yaml:3:35 invalid regex in when.regex: Invalid regular expression: /(/i: Unterminated group',
    'rules/10-a.yaml:4:23 unknown template "nope" in reply.template',
    'rules/10-a.yaml:6:5 rule needs an "id"',
    'rules/20-b.yaml:2:9 duplicate rule id "hours" (first defined at rules/10-a.yaml:2:9)',
    'rules/20-b.yaml:3:29 unknown time zone "X/Y" in when.time',
    'rules/30-c.yaml:2:1 Flow sequence in block collection must be sufficiently indented and end with a ]',
  ]);
});

test('a duplicate id across files is reported at the second file', () => {
  expect(
    loadErrors([
      { path: 'rules/a.yaml', content: 'rules:\n  - id: welcome\n' },
      { path: 'rules/b.yaml', content: '\nrules:\n  - description: again\n    id: welcome\n' },
    ]),
  ).toEqual(['rules/b.yaml:4:9 duplicate rule id "welcome" (first defined at rules/a.yaml:2:9)']);
});

test('an invalid default time zone is reported at each time condition relying on it', () => {
  const result = loadRuleSet(
    [{ path: 'rules/a.yaml', content: 'rules:\n  - id: a\n    when: {time: {days: mon}}\n' }],
    { knownTemplates: new Set(), defaultTimezone: 'Nowhere/City' },
  );
  expect(!result.ok && result.errors.map(formatLoadError)).toEqual([
    'rules/a.yaml:3:18 when.time uses the default time zone "Nowhere/City", which is not a valid IANA zone',
  ]);
});

test.each([
  ['an empty file', ''],
  ['a file with only comments', '# nothing yet\n'],
  ['a file with an empty rules list', 'rules: []\n'],
  ['a file with rules: and nothing else', 'rules:\n'],
])('%s loads as no rules', (_name, content) => {
  expect(loadFiles([{ path: 'rules/a.yaml', content }]).ruleCount).toBe(0);
});

test('anchors and aliases can share conditions', () => {
  const set = loadFiles([
    {
      path: 'rules/a.yaml',
      content: [
        'rules:',
        '  - id: a',
        '    when: &greeting {keyword: [hi, hello]}',
        '    enabled: false',
        '  - id: b',
        '    when: *greeting',
        '',
      ].join('\n'),
    },
  ]);
  // b answers exactly what a's conditions match (a itself is disabled), and nothing else.
  expect([answer(set, 'hello'), answer(set, 'hi there'), answer(set, 'bye')]).toEqual([
    'b',
    'b',
    'none',
  ]);
});

describe('inline templates are compiled at load time against the template store', () => {
  const built = buildTemplateStore(
    [{ path: 'templates/partials/signature.hbs', name: 'partials/signature', content: '- Cafe' }],
    { defaultTimezone: 'UTC' },
  );
  if (!built.ok) throw new Error('the test templates must build');
  const store = built.store;
  const options = {
    ...OPTIONS,
    checkTemplate: (source: string) => store.checkInline(source),
  };
  const errorsOf = (yaml: string) => {
    const result = loadRuleSet([{ path: 'rules/test.yaml', content: yaml }], options);
    return result.ok ? [] : result.errors.map(formatLoadError);
  };

  it.each([
    [
      'an unknown helper in reply.text',
      'rules:\n  - id: a\n    reply: {text: "{{uppr message.body}}"}\n',
      /^rules\/test\.yaml:3:19 reply\.text is not a valid template: unknown helper "uppr" \(known helpers: .*\bupper\b.*\)$/,
    ],
    [
      'a missing partial in reply.text',
      'rules:\n  - id: a\n    reply: {text: "Hi {{> nosuch}}"}\n',
      /^rules\/test\.yaml:3:19 reply\.text is not a valid template: unknown partial "nosuch" \(expected a file partials\/nosuch\.hbs\)$/,
    ],
    [
      'an unknown helper in a media URL',
      'rules:\n  - id: a\n    reply:\n      text: hi\n      media: ["https://x.test/{{lowr vars.a}}.png"]\n',
      /^rules\/test\.yaml:5:15 reply\.media is not a valid template: unknown helper "lowr"/,
    ],
    [
      'a missing partial in a set value',
      'rules:\n  - id: a\n    set: {name: "{{> nosuch}}"}\n',
      /^rules\/test\.yaml:3:17 set\.name is not a valid template: unknown partial "nosuch"/,
    ],
    [
      'an unknown helper in schedule.text',
      'rules:\n  - id: a\n    schedule: {in: 1h, text: "{{uppr vars.name}}"}\n',
      /^rules\/test\.yaml:3:30 schedule\.text is not a valid template: unknown helper "uppr"/,
    ],
    [
      'a problem on the third line of a block scalar',
      'rules:\n  - id: a\n    reply:\n      text: |\n        Hello\n        there\n        {{shout vars.name}}\n',
      /^rules\/test\.yaml:4:13 reply\.text is not a valid template: unknown helper "shout" .* \(line 3, column 1 of the template\)$/,
    ],
  ])('%s is a load error at the value', (_name, yaml, expected) => {
    const errors = errorsOf(yaml);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(expected);
  });

  it('loads inline templates that use our helpers and partials', () => {
    expect(
      errorsOf(
        [
          'rules:',
          '  - id: a',
          '    reply:',
          '      text: "{{upper message.body}} {{default vars.name \'friend\'}} {{> signature}}"',
          '      media: ["https://x.test/{{lower vars.size}}.png"]',
          '    set: {shout: "{{upper message.body}}"}',
          '    schedule: {in: 1h, text: "{{#if vars.name}}Hi {{vars.name}}{{/if}}"}',
          '',
        ].join('\n'),
      ),
    ).toEqual([]);
  });
});

test("a file's settings.max_segments is the budget of its rules; a rule's own max_segments wins", () => {
  const ruleSet = loadFiles([
    {
      path: 'rules/10-a.yaml',
      content: 'settings: {max_segments: 2}\nrules:\n  - id: a\n  - id: b\n    max_segments: 4\n',
    },
    { path: 'rules/20-b.yaml', content: 'rules:\n  - id: c\n' },
  ]);
  expect(ruleSet.compiled.map((r) => [r.id, r.maxSegments])).toEqual([
    ['a', 2],
    ['b', 4],
    ['c', undefined],
  ]);
});
