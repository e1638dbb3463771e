// Conversation tests (SPEC §8): the file format, its errors with file:line:column, and running
// them through the webhook's decision on a controlled clock.
import { buildBotContent, type BotContentSnapshot } from '../../../src/content/botContent';
import { defaultOurNumber, runConversation } from '../../../src/content/conversations';
import { formatLoadError, readConversationTests, type ConversationTest } from '../../../src/rules';

const RULES = `
rules:
  - id: book
    when: { starts_with: 'book ' }
    reply: { text: 'Nice! What name is the booking under?' }
    set: { booking: '{{message.body}}' }
    state: awaiting_name
  - id: got-name
    when: { state: awaiting_name }
    reply: { text: 'Thanks, {{message.body}}!' }
    set: { name: '{{message.body}}' }
    state: null
    tags: { add: [booked] }
    schedule: { in: 2h, template: reminder }
  - id: vip
    when: { to: '+14155550100', keyword: vip }
    reply: { text: 'VIP line' }
  - id: photo
    when: { has_media: true }
    reply: { text: '{{message.media.length}} photos' }
  - id: long
    when: { keyword: long }
    reply: { text: '{{vars.words}}' }
  - id: fallback
    reply: { text: 'Sorry?' }
`;

function content(rules = RULES): BotContentSnapshot {
  const built = buildBotContent(
    {
      ruleFiles: [{ path: 'rules/main.yaml', content: rules }],
      templateFiles: [
        {
          path: 'templates/reminder.hbs',
          name: 'reminder',
          content: 'See you soon, {{vars.name}}!\n',
        },
      ],
    },
    'America/Los_Angeles',
  );
  if (!built.ok) throw new Error(built.errors.join('\n'));
  return { ...built, version: 'test', loadedAt: new Date() };
}

function tests(yaml: string): ConversationTest[] {
  const read = readConversationTests([{ path: 'rules/tests/t.yaml', content: yaml }]);
  if (!read.ok) throw new Error(read.errors.map(formatLoadError).join('\n'));
  return read.tests;
}

function errors(yaml: string): string[] {
  const read = readConversationTests([{ path: 'rules/tests/t.yaml', content: yaml }]);
  if (read.ok) throw new Error('expected errors');
  return read.errors.map(formatLoadError);
}

function run(yaml: string, rules = RULES) {
  const bot = content(rules);
  return tests(yaml).map((t) => runConversation(bot, t, defaultOurNumber(bot.ruleSet, null)));
}

describe('the file format', () => {
  it('reads the example of SPEC §8', () => {
    const [test] = tests(`
conversations:
  - name: booking asks for a name, then confirms
    contact: "+14155550123"
    to: "+14155550100"
    start: "2026-03-06T18:00:00-08:00"
    given: {state: null, vars: {}, tags: [], messages: 0, opted_out: false}
    steps:
      - send: "book a table for 4 at 7pm"
        expect:
          rule: booking
          reply: "Nice! What name is the booking under?"
          state: awaiting_name
      - send: Grace
        expect: {reply_contains: Grace, vars: {name: Grace}, tags_include: [booked]}
      - wait: 2h
        expect: {sent_contains: ["See you"]}
      - send: STOP
        expect: {no_reply: true, opted_out: true}
`);
    expect(test).toMatchObject({
      file: 'rules/tests/t.yaml',
      line: 3,
      column: 5,
      name: 'booking asks for a name, then confirms',
      contact: '+14155550123',
      to: '+14155550100',
      start: new Date('2026-03-07T02:00:00Z'),
      given: { state: null, vars: {}, tags: [], messages: 0, optedOut: false },
    });
    expect(test.steps.map((s) => [s.kind, s.line, s.expect])).toEqual([
      [
        'send',
        9,
        {
          rule: 'booking',
          reply: ['Nice! What name is the booking under?'],
          state: 'awaiting_name',
        },
      ],
      ['send', 14, { replyContains: ['Grace'], vars: { name: 'Grace' }, tagsInclude: ['booked'] }],
      ['wait', 16, { sentContains: ['See you'] }],
      ['send', 18, { noReply: true, optedOut: true }],
    ]);
  });

  it.each([
    [
      'an unknown key in expect, with a suggestion',
      'conversations:\n  - name: a\n    steps:\n      - send: hi\n        expect: {rulle: x}\n',
      ['rules/tests/t.yaml:5:18 unknown key "rulle" in expect (did you mean "rule"?)'],
    ],
    [
      'an unknown key in a conversation',
      'conversations:\n  - name: a\n    from: "+14155550123"\n    steps: [{send: hi}]\n',
      [
        'rules/tests/t.yaml:3:5 unknown key "from" in conversations[0]; expected one of: name, contact, to, start, given, steps',
      ],
    ],
    [
      'wrong types',
      'conversations:\n  - name: a\n    given: {messages: two, opted_out: maybe}\n    steps:\n      - send: hi\n        expect: {no_reply: 1, segments_max: 0}\n',
      [
        'rules/tests/t.yaml:3:23 given.messages must be a number',
        'rules/tests/t.yaml:3:39 given.opted_out must be true or false',
        'rules/tests/t.yaml:6:28 expect.no_reply must be true or false',
        'rules/tests/t.yaml:6:45 expect.segments_max must be at least 1',
      ],
    ],
    [
      'a step with both send and wait, and one with neither',
      'conversations:\n  - name: a\n    steps:\n      - {send: hi, wait: 2h}\n      - expect: {state: x}\n',
      [
        'rules/tests/t.yaml:4:9 steps[0] needs exactly one of send (a message) or wait (e.g. 2h)',
        'rules/tests/t.yaml:5:9 steps[1] needs exactly one of send (a message) or wait (e.g. 2h)',
      ],
    ],
    [
      'reply keys after a wait, and sent after a send',
      'conversations:\n  - name: a\n    steps:\n      - wait: 1h\n        expect: {reply: x}\n      - send: hi\n        expect: {sent: []}\n',
      [
        'rules/tests/t.yaml:5:18 expect.reply is about a reply; a wait step has none (use sent or sent_contains)',
        'rules/tests/t.yaml:7:18 expect.sent is about follow-ups, which are sent during a wait step',
      ],
    ],
    [
      'a bad duration, start, number and regex',
      'conversations:\n  - name: a\n    contact: "555"\n    start: "2026-03-06 18:00"\n    steps:\n      - wait: soon\n      - send: hi\n        expect: {reply_matches: "("}\n',
      [
        'rules/tests/t.yaml:3:14 contact must be an E.164 number such as "+14155550123", got "555"',
        'rules/tests/t.yaml:4:12 start must be ISO-8601 with a UTC offset, e.g. "2026-03-06T18:00:00-08:00"',
        'rules/tests/t.yaml:6:15 wait: duration must look like 45s, 30m, 2h, 1d or 1h30m, got "soon"',
        'rules/tests/t.yaml:8:33 invalid regex in expect.reply_matches: Invalid regular expression: /(/: Unterminated group',
      ],
    ],
    [
      'a missing name and steps, and a duplicate name',
      'conversations:\n  - steps: [{send: hi}]\n  - name: b\n  - name: c\n    steps: [{send: hi}]\n  - name: c\n    steps: [{send: hi}]\n',
      [
        'rules/tests/t.yaml:2:5 conversations[0] needs a "name"',
        'rules/tests/t.yaml:3:5 conversations[1] needs "steps", a list of send/wait steps',
        'rules/tests/t.yaml:6:11 duplicate conversation name (first at rules/tests/t.yaml:4:11)',
      ],
    ],
    [
      'a file without conversations',
      'rules:\n  - id: a\n',
      [
        'rules/tests/t.yaml:1:1 unknown key "rules" in the file (top level); expected one of: conversations',
        'rules/tests/t.yaml:1:1 a test file needs "conversations:", a list of conversations',
      ],
    ],
  ])('%s is an error at file:line:column', (_name, yaml, expected) => {
    expect(errors(yaml)).toEqual(expected);
  });
});

describe('running a conversation', () => {
  it('goes through the rules with the thread carried from step to step, and sends follow-ups on wait', () => {
    const [result] = run(`
conversations:
  - name: booking
    start: "2026-03-06T18:00:00-08:00"
    steps:
      - send: book a table
        expect: {rule: book, reply: "Nice! What name is the booking under?", state: awaiting_name, vars: {booking: book a table}}
      - send: Grace
        expect: {rule: got-name, reply: "Thanks, Grace!", state: null, vars: {name: Grace}, tags_include: [booked]}
      - wait: 1h59m
        expect: {sent: []}
      - wait: 1m
        expect: {sent: ["See you soon, Grace!"], sent_contains: [soon]}
      - send: STOP
        expect: {rule: null, no_reply: true, opted_out: true}
`);
    expect(result.failed).toBeNull();
    expect(result.ok).toBe(true);
  });

  it('reports the first failing step with what it expected and what happened', () => {
    const [result] = run(`
conversations:
  - name: wrong
    steps:
      - send: hi
        expect: {rule: book, reply: "Hello", reply_contains: Hi, reply_matches: "^S", state: x, vars: {name: Ada}, tags_include: [a], opted_out: true, segments_max: 1}
      - send: book again
        expect: {rule: fallback}
`);
    expect(result.ok).toBe(false);
    expect(result.failed!.index).toBe(0);
    expect(result.failed!.problems).toEqual([
      'rule: expected book, got fallback',
      'reply: expected "Hello", got "Sorry?"',
      'reply: expected it to contain "Hi"',
      'state: expected x, got null',
      'vars.name: expected "Ada", got null',
      'tags: expected "a" among []',
      'opted_out: expected true, got false',
    ]);
    // Later steps still run (lint counts them), and fail on their own.
    expect(result.steps[1].problems).toEqual(['rule: expected fallback, got book']);
  });

  it('sends to our number: the first number the rules name when TWILIO_FROM is not set', () => {
    const bot = content();
    expect(defaultOurNumber(bot.ruleSet, null)).toBe('+14155550100');
    expect(defaultOurNumber(bot.ruleSet, '+14155550111')).toBe('+14155550111');
    // A Messaging Service is never a message's To.
    expect(defaultOurNumber(bot.ruleSet, 'MG' + '0'.repeat(32))).toBe('+14155550100');
    const [vip, other] = run(`
conversations:
  - name: on our number
    steps: [{send: vip, expect: {rule: vip}}]
  - name: on another number
    to: "+14155550999"
    steps: [{send: vip, expect: {rule: fallback}}]
`);
    expect([vip.ok, other.ok]).toEqual([true, true]);
  });

  it('starts from the given thread, sends media, and skips follow-ups to an opted-out contact', () => {
    const results = run(`
conversations:
  - name: given
    given: {state: awaiting_name, vars: {x: 1}, tags: [old], messages: 4}
    steps:
      - send: Ada
        expect: {rule: got-name, vars: {x: 1, name: Ada}, tags_include: [old, booked]}
      - send: look
        media: [https://example.com/1.jpg, https://example.com/2.jpg]
        expect: {rule: photo, reply: 2 photos}
  - name: opted out before the follow-up
    given: {state: awaiting_name}
    steps:
      - send: Ada
      - send: STOP
      - wait: 1d
        expect: {sent: []}
  - name: an opted-out contact
    given: {opted_out: true}
    steps:
      - send: book a table
        expect: {no_reply: true, rule: null}
      - send: START
        expect: {opted_out: false, no_reply: true}
`);
    expect(results.map((r) => [r.test.name, r.failed?.problems ?? []])).toEqual([
      ['given', []],
      ['opted out before the follow-up', []],
      ['an opted-out contact', []],
    ]);
  });

  it('checks segments and splits a long reply into the messages the TwiML holds', () => {
    const words = Array.from({ length: 400 }, (_, i) => `w${i}`).join(' ');
    const [test] = tests(
      'conversations:\n  - name: l\n    steps:\n      - send: long\n        expect: {segments_max: 2}\n',
    );
    test.given.vars = { words };
    const long = runConversation(content(), test, '+14155550100');
    expect(long.steps[0].replies.length).toBe(2); // over 1600 characters: two <Message>s
    expect(long.failed!.problems[0]).toMatch(/^segments: 11 \(GSM-7\) for "w0 w1 /);
  });
});
