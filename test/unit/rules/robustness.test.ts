import fc from 'fast-check';
import { decide } from '../../../src/rules';
import { decideWithoutIndex } from '../../../src/rules/decide';
import { answer, load, message, thread } from './support';

// A rule set using every condition kind, so every code path sees the odd inputs.
const ruleSet = load(`
rules:
  - id: keyword
    when: {keyword: [hours, "👍"], from: "+1*"}
  - id: equals
    when: {equals: "opening hours"}
  - id: contains
    when: {contains: ["price list", café], not: {state: busy}}
  - id: contains-all
    when: {contains_all: [red, shirt]}
  - id: starts
    when: {starts_with: "book "}
  - id: regex
    when: {regex: '^order\\s+(?<order>\\d{4,10})$'}
  - id: number
    when: {number: {min: 1, max: 5}, first_message: false}
  - id: time
    when: {time: {days: sat, between: "22:00-02:00", timezone: Europe/Berlin}, has_media: true}
  - id: any
    when: {any: [{keyword: hi}, {equals: hello}], to: "+1415*"}
  - id: fallback
    when: {not: {equals: ""}}
`);

describe('odd message bodies', () => {
  test.each([
    ['', 'none'],
    ['   ', 'none'],
    ['👍', 'keyword'],
    ['👍👍👍', 'fallback'],
    ['🙂 hours 🙂', 'keyword'],
    ['👨‍👩‍👧 hours', 'keyword'],
    ['!!!', 'fallback'],
    ['Café!!', 'contains'],
    ['CAFE', 'fallback'],
    ['Ｏｒｄｅｒ １２３４５', 'regex'],
    ['opening\n\n\thours', 'equals'],
    ['\u0000\uFFFF\uD800', 'fallback'],
  ])('%j → %s', (body, expected) => {
    expect(answer(ruleSet, body)).toBe(expected);
  });

  test('a 2000-character body is handled', () => {
    const long = `${'blah '.repeat(399)}price list`;
    expect(long.length).toBe(2005);
    expect(answer(ruleSet, long)).toBe('contains');
    expect(answer(ruleSet, 'x'.repeat(2000))).toBe('fallback');
  });

  test('a body that is not a string (a malformed webhook) does not throw', () => {
    const d = decide(
      ruleSet,
      { ...message(''), body: undefined as unknown as string },
      thread(),
      new Date(),
    );
    expect(d.kind).toBe('none');
  });
});

// For any input, decide does not throw; its candidate index is only a shortcut, so it picks what
// checking every rule in order picks; and an opted-out contact is answered only by the compliance
// keywords (STOP, START, HELP), never by a rule (SPEC §5.5).
describe('decide never throws, agrees with the linear scan, never answers an opted-out thread from a rule', () => {
  const check = (
    body: string,
    from: string,
    optedOut: boolean,
    state: string | null,
    count: number,
    at: number,
  ): void => {
    const m = message(body, { from, media: count % 2 ? [{ url: 'https://x/y.png' }] : [] });
    const t = thread({ optedOut, state, messageCount: count });
    const now = new Date(at);
    const d = decide(ruleSet, m, t, now);
    expect(d).toEqual(decideWithoutIndex(ruleSet, m, t, now));
    if (optedOut) expect(d.kind).not.toBe('rule');
  };
  const from = fc.oneof(fc.string(), fc.constantFrom('+14155550123', '+442071838750'));
  const optedOut = fc.boolean();
  const state = fc.constantFrom(null, 'busy');
  const messageCount = fc.nat(3);
  const at = fc.integer({ min: 0, max: 4e12 });
  const run = (body: fc.Arbitrary<string>) =>
    fc.assert(fc.property(body, from, optedOut, state, messageCount, at, check), {
      numRuns: 500,
    });

  test('for any string body', () => run(fc.string()));

  test('for any full-Unicode body, lone surrogates included', () =>
    run(fc.string({ unit: 'binary', maxLength: 300 })));

  test("for bodies mixing the rules' words (and the compliance keywords) with odd characters", () => {
    const words = fc.constantFrom(
      ...['hours', '👍', 'opening', 'price list', 'CAFÉ', 'red', 'shirt', 'book', 'order'],
      ...['12345', '3', 'hi', 'hello', 'STOP', 'start', 'help', '!!', '\u0000', '\uD800'],
    );
    const parts = fc.array(fc.oneof(words, fc.string({ maxLength: 3 })), { maxLength: 6 });
    run(parts.map((p) => p.join(' ')));
  });
});
