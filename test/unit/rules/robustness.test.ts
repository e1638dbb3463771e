import fc from 'fast-check';
import { decide } from '../../../src/rules';
import { answer, decideBody, load, message, thread } from './support';

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

describe('decide never throws', () => {
  const check = (
    body: string,
    from: string,
    optedOut: boolean,
    count: number,
    at: number,
  ): void => {
    const d = decideBody(ruleSet, body, {
      message: { from, media: count % 2 ? [{ url: 'https://x/y.png' }] : [] },
      thread: { optedOut, messageCount: count },
      now: new Date(at),
    });
    expect(['opt_out', 'opt_in', 'help', 'rule', 'none']).toContain(d.kind);
  };
  const from = fc.string();
  const optedOut = fc.boolean();
  const messageCount = fc.nat(3);
  const at = fc.integer({ min: 0, max: 4e12 });

  test('for any string body', () => {
    fc.assert(fc.property(fc.string(), from, optedOut, messageCount, at, check), { numRuns: 500 });
  });

  test('for any full-Unicode body, lone surrogates included', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 300 }),
        from,
        optedOut,
        messageCount,
        at,
        check,
      ),
      { numRuns: 500 },
    );
  });
});
