import { loadRuleSet } from '../../../src/rules';
import { answer, decideBody, load, loadErrors, loadFiles } from './support';

// A catch-all rule shows where a message would go if compliance did not take it first.
const WITH_CATCH_ALL = 'rules:\n  - id: catch-all\n    reply: {text: "Hi"}\n';

describe('default keywords (Twilio)', () => {
  const ruleSet = load(WITH_CATCH_ALL);

  test.each([
    'STOP',
    'stop',
    ' Stop. ',
    'STOPALL',
    'unsubscribe',
    'Cancel',
    'END',
    'quit',
    'REVOKE',
    'optout',
    'stop!!',
  ])('%j opts out', (body) => {
    expect(answer(ruleSet, body)).toBe('opt_out');
  });

  test.each(['START', 'yes', 'Unstop!'])('%j opts in a contact who opted out', (body) => {
    expect(answer(ruleSet, body, { thread: { optedOut: true } })).toBe('opt_in');
  });

  test.each(['START', 'yes', 'Unstop!'])(
    '%j from a contact who never opted out is an ordinary message for the rules',
    (body) => {
      expect(answer(ruleSet, body)).toBe('catch-all');
    },
  );

  test.each(['HELP', 'info?'])('%j asks for help', (body) => {
    expect(answer(ruleSet, body)).toBe('help');
  });

  test.each(['please stop', 'stop it', 'stopp', 'help me', 'yes please', 'information'])(
    '%j is not a keyword (only the whole message counts)',
    (body) => {
      expect(answer(ruleSet, body)).toBe('catch-all');
    },
  );

  test('opt-out replies nothing and reports the keyword', () => {
    expect(decideBody(ruleSet, 'Stop')).toEqual({
      kind: 'opt_out',
      rule: null,
      match: { keyword: 'stop' },
      reply: null,
      set: {},
      tags: { add: [], remove: [] },
      schedule: null,
    });
  });

  test('opt-in replies nothing unless configured', () => {
    expect(decideBody(ruleSet, 'START', { thread: { optedOut: true } }).reply).toBeNull();
  });

  test('help replies with the help template', () => {
    expect(decideBody(ruleSet, 'help').reply).toEqual({ template: 'help', media: [] });
  });
});

describe('an opted-out thread', () => {
  const ruleSet = load(WITH_CATCH_ALL);
  const optedOut = { thread: { optedOut: true } };

  test.each([
    ['hours?', 'none'],
    ['', 'none'],
    ['START', 'opt_in'],
    ['help', 'help'],
    ['STOP', 'opt_out'],
  ])('%j → %s', (body, kind) => {
    expect(decideBody(ruleSet, body, optedOut).kind).toBe(kind);
  });

  test('gets no rule reply', () => {
    expect(decideBody(ruleSet, 'hours?', optedOut).reply).toBeNull();
  });
});

describe('configured compliance', () => {
  const ruleSet = load(`
compliance:
  opt_out: [STOP, "arrêt", "stop all"]
  opt_in: [START, "UNSTOP"]
  help: [HELP, AIDE]
  help_template: hours
  opt_out_template: stopped
  opt_in_template: welcome-back
${WITH_CATCH_ALL}`);

  test.each([
    ['Arrêt', 'opt_out', { template: 'stopped', media: [] }],
    ['stop all', 'opt_out', { template: 'stopped', media: [] }],
    ['unstop', 'opt_in', { template: 'welcome-back', media: [] }],
    ['aide', 'help', { template: 'hours', media: [] }],
  ])('%j → %s replying %j', (body, kind, reply) => {
    const d = decideBody(ruleSet, body, { thread: { optedOut: kind === 'opt_in' } });
    expect(d.kind).toBe(kind);
    expect(d.reply).toEqual(reply);
  });

  test.each(['cancel', 'yes', 'info'])(
    'a default keyword left out of a configured list (%j) is ordinary text',
    (body) => {
      expect(answer(ruleSet, body)).toBe('catch-all');
    },
  );

  test('moving a default keyword to another list takes it out of its default list', () => {
    const moved = load(`compliance:\n  help: [help, yes]\n${WITH_CATCH_ALL}`);
    expect(answer(moved, 'yes')).toBe('help');
    expect(answer(moved, 'start', { thread: { optedOut: true } })).toBe('opt_in');
    expect(moved.compliance.optIn).toEqual(['start', 'unstop']);
  });

  test('an empty list switches a kind off', () => {
    const noHelp = load(`compliance:\n  help: []\n${WITH_CATCH_ALL}`);
    expect(answer(noHelp, 'help')).toBe('catch-all');
  });

  test('a file holding only compliance is valid', () => {
    const set = loadFiles([
      { path: 'rules/00-compliance.yaml', content: 'compliance:\n  help: [aide]\n' },
      { path: 'rules/10-rules.yaml', content: WITH_CATCH_ALL },
    ]);
    expect(answer(set, 'aide')).toBe('help');
    expect(set.compliance.help).toEqual(['aide']);
  });
});

describe('compliance load errors', () => {
  test('compliance configured in two files is reported at the second', () => {
    expect(
      loadErrors([
        { path: 'rules/a.yaml', content: 'compliance:\n  help: [aide]\n' },
        { path: 'rules/b.yaml', content: '# more\ncompliance:\n  help: [hilfe]\n' },
      ]),
    ).toEqual(['rules/b.yaml:2:1 compliance is already configured at rules/a.yaml:1:1']);
  });

  test.each([
    [
      'compliance:\n  help_template: nope\n',
      'rules/test.yaml:2:18 unknown template "nope" in compliance.help_template',
    ],
    [
      'compliance:\n  opt_out_template: nope\n',
      'rules/test.yaml:2:21 unknown template "nope" in compliance.opt_out_template',
    ],
    [
      'compliance:\n  opt_out: [stop]\n  opt_in: [start, STOP]\n',
      'rules/test.yaml:3:19 compliance.opt_in: "STOP" is already in opt_out',
    ],
    [
      'compliance:\n  stop_words: [x]\n',
      'rules/test.yaml:2:3 unknown key "stop_words" in compliance; expected one of: opt_out, opt_in, help, help_template, opt_out_template, opt_in_template',
    ],
    [
      'compliance:\n  help: {a: 1}\n',
      'rules/test.yaml:2:9 compliance.help must be a string or a list of strings',
    ],
    ['compliance: [STOP]\n', 'rules/test.yaml:1:13 compliance must be a mapping'],
  ])('%j', (yaml, error) => {
    expect(loadErrors(yaml)).toEqual([error]);
  });
});

test('a missing default help template is a warning, not an error', () => {
  const result = loadFiles([{ path: 'rules/a.yaml', content: WITH_CATCH_ALL }]);
  expect(result.warnings).toEqual([]);
  const withoutHelp = loadRuleSet([{ path: 'rules/a.yaml', content: WITH_CATCH_ALL }], {
    knownTemplates: new Set<string>(),
    defaultTimezone: 'UTC',
  });
  expect(withoutHelp.ok && withoutHelp.ruleSet.warnings).toEqual([
    'HELP is answered with template "help", which does not exist; add templates/help.hbs or set compliance.help_template',
  ]);
});
