import fc from 'fast-check';
import { buildTwiml, splitMessage } from '../../../src/templates';
import { MAX_BODY_CHARS } from '../../../src/twilioLimits';

const EMPTY_RESPONSE = '<?xml version="1.0" encoding="UTF-8"?><Response/>';

/** The text of each <Message> (its <Body> when it has one) and its media, unescaped once. */
function parseMessages(xml: string): { body: string; media: string[] }[] {
  const unescape = (s: string) =>
    s
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&apos;/g, "'")
      .replace(/&amp;/g, '&');
  return [...xml.matchAll(/<Message>(.*?)<\/Message>|<Message\/>/gs)].map(([, inner = '']) => {
    const media = [...inner.matchAll(/<Media>(.*?)<\/Media>/gs)].map((m) => unescape(m[1]));
    const withoutMedia = inner.replace(/<Media>.*?<\/Media>/gs, '');
    const body = /^<Body>(.*)<\/Body>$/s.exec(withoutMedia)?.[1] ?? withoutMedia;
    return { body: unescape(body), media };
  });
}

const words = (count: number, word = 'latte') =>
  Array.from({ length: count }, () => word).join(' ');

describe('splitMessage', () => {
  it.each([
    ['keeps a short text whole', 'Open 9-5', 10, ['Open 9-5']],
    ['splits at the last space that fits', 'hello world foo', 11, ['hello world', 'foo']],
    ['cuts at a space right after the limit', 'hello world', 5, ['hello', 'world']],
    ['trims whitespace at the split', 'aaaa   \n  bbbb', 5, ['aaaa', 'bbbb']],
    ['trims the ends of the text', '  \n hi there \n', 20, ['hi there']],
    ['keeps line breaks inside a part', 'Menu:\nlatte\nmocha', 20, ['Menu:\nlatte\nmocha']],
    ['gives no parts for a blank text', ' \n\t ', 10, []],
    ['gives no parts for an empty text', '', 10, []],
    ['hard-splits a word longer than the limit', 'abcdefghij', 4, ['abcd', 'efgh', 'ij']],
    ['hard-splits only the long word', 'hi abcdefghij yo', 4, ['hi', 'abcd', 'efgh', 'ij', 'yo']],
  ])('%s', (_behaviour, text, limit, expected) => {
    expect(splitMessage(text, limit)).toEqual(expected);
  });

  it('keeps exactly 1600 characters as one part', () => {
    const text = 'a'.repeat(800) + ' ' + 'b'.repeat(799);
    expect(text).toHaveLength(1600);
    expect(splitMessage(text)).toEqual([text]);
  });

  it('splits 1601 characters at the word boundary', () => {
    const text = 'a'.repeat(800) + ' ' + 'b'.repeat(800);
    expect(splitMessage(text)).toEqual(['a'.repeat(800), 'b'.repeat(800)]);
  });

  it('splits a long reply into parts of at most 1600 at spaces', () => {
    const text = words(1000); // 5,999 characters
    const parts = splitMessage(text);
    expect(parts).toHaveLength(4);
    for (const part of parts) {
      expect(part.length).toBeLessThanOrEqual(MAX_BODY_CHARS);
      expect(part).toMatch(/^latte( latte)*$/);
    }
    expect(parts.join(' ')).toBe(text);
  });

  it('does not cut an emoji at the boundary', () => {
    const text = 'a'.repeat(1599) + '😀'; // 1,601 UTF-16 code units, one word
    expect(splitMessage(text)).toEqual(['a'.repeat(1599), '😀']);
  });

  it('does not cut a flag (two code points) at the boundary', () => {
    const text = 'a'.repeat(1598) + '🇩🇪'; // 1,602 code units
    expect(splitMessage(text)).toEqual(['a'.repeat(1598), '🇩🇪']);
  });

  it('cuts between code points when one character cluster is longer than the limit', () => {
    const cluster = 'e' + '\u0301'.repeat(5); // e with five combining accents
    expect(splitMessage(cluster, 4)).toEqual(['e\u0301\u0301\u0301', '\u0301\u0301']);
  });

  it('hard-splits a 4000-character single word', () => {
    const parts = splitMessage('x'.repeat(4000));
    expect(parts.map((p) => p.length)).toEqual([1600, 1600, 800]);
  });

  it('hard-splits a word of emoji without breaking one', () => {
    const parts = splitMessage('😀'.repeat(1000)); // 2,000 code units
    expect(parts).toEqual(['😀'.repeat(800), '😀'.repeat(200)]);
  });

  it.each([1, 0, 2.5, NaN])('rejects the limit %p', (limit) => {
    expect(() => splitMessage('hi', limit)).toThrow(RangeError);
  });

  describe('properties', () => {
    const units = [
      'a',
      'b',
      'Z',
      '1',
      '.',
      ' ',
      ' ',
      '\n',
      '\t',
      '\u00a0',
      'é',
      'e\u0301',
      '😀',
      '🇩🇪',
      'ß',
    ];
    const text = fc.array(fc.constantFrom(...units), { maxLength: 200 }).map((a) => a.join(''));
    const limit = fc.integer({ min: 2, max: 40 });
    const squash = (s: string) => s.replace(/\s+/g, '');
    const collapse = (s: string) => s.trim().split(/\s+/).filter(Boolean).join(' ');
    const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

    it('gives trimmed, non-empty parts within the limit, with no split surrogate pair', () => {
      fc.assert(
        fc.property(text, limit, (input, max) => {
          for (const part of splitMessage(input, max)) {
            expect(part.length).toBeGreaterThan(0);
            expect(part.length).toBeLessThanOrEqual(max);
            expect(part).toBe(part.trim());
            expect(part).not.toMatch(LONE_SURROGATE);
          }
        }),
      );
    });

    it('loses and adds nothing but whitespace', () => {
      fc.assert(
        fc.property(text, limit, (input, max) => {
          expect(squash(splitMessage(input, max).join(''))).toBe(squash(input));
        }),
      );
    });

    it('keeps the words in order, joined by single spaces, when every word fits', () => {
      fc.assert(
        fc.property(text, limit, (input, max) => {
          fc.pre(input.split(/\s+/).every((word) => word.length <= max));
          expect(collapse(splitMessage(input, max).join(' '))).toBe(collapse(input));
        }),
      );
    });
  });
});

describe('buildTwiml', () => {
  it('answers no replies with the SDK’s empty response', () => {
    expect(buildTwiml([])).toBe(EMPTY_RESPONSE);
  });

  it('answers a blank reply without media with the empty response', () => {
    expect(buildTwiml([{ body: ' \n ', media: [] }])).toBe(EMPTY_RESPONSE);
  });

  it('builds one message for a short reply', () => {
    expect(buildTwiml([{ body: 'We open at 7', media: [] }])).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Response><Message>We open at 7</Message></Response>',
    );
  });

  it.each([
    ['markup characters', `Fish & <Chips> "ok" 'yes'`],
    ['text that already looks escaped', 'Tom &amp; Jerry &lt;3 &#38;'],
    ['quotes and apostrophes', `It's "great"`],
    ['accents, emoji and line breaks', 'Café ☕\n😀 ok'],
  ])('escapes %s exactly once', (_kind, body) => {
    const xml = buildTwiml([{ body, media: [] }]);
    expect(parseMessages(xml)).toEqual([{ body, media: [] }]);
  });

  it('escapes & and < in the XML it sends', () => {
    const xml = buildTwiml([{ body: 'Fish & <Chips> "ok"', media: [] }]);
    expect(xml).toContain('<Message>Fish &amp; &lt;Chips&gt; "ok"</Message>');
  });

  it('splits a reply over 1600 characters into several messages', () => {
    const body = words(500, 'espresso'); // 4,499 characters
    const messages = parseMessages(buildTwiml([{ body, media: [] }]));
    expect(messages).toHaveLength(3);
    expect(messages.map((m) => m.body).join(' ')).toBe(body);
    for (const m of messages) expect(m.body.length).toBeLessThanOrEqual(1600);
  });

  it('puts media on the first part of a split reply only', () => {
    const body = words(400); // 2,399 characters
    const media = ['https://example.com/menu.png?size=large&dpi=2'];
    const messages = parseMessages(buildTwiml([{ body, media }]));
    expect(messages.map((m) => m.media)).toEqual([media, []]);
  });

  it('sends media without a body', () => {
    const xml = buildTwiml([{ body: '', media: ['https://example.com/map.png'] }]);
    expect(xml).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Response><Message><Media>https://example.com/map.png</Media></Message></Response>',
    );
  });

  it('uses nested Body and Media when a message has media', () => {
    const xml = buildTwiml([{ body: 'Our menu', media: ['https://example.com/m.png'] }]);
    expect(xml).toContain(
      '<Message><Body>Our menu</Body><Media>https://example.com/m.png</Media></Message>',
    );
  });

  it('moves media beyond ten per message to the following messages', () => {
    const media = Array.from({ length: 12 }, (_, i) => `https://example.com/${i}.png`);
    const messages = parseMessages(buildTwiml([{ body: 'Photos', media }]));
    expect(messages).toEqual([
      { body: 'Photos', media: media.slice(0, 10) },
      { body: '', media: media.slice(10) },
    ]);
  });

  it('builds the messages of several replies in order', () => {
    const xml = buildTwiml([
      { body: 'First', media: [] },
      { body: 'Second', media: [] },
    ]);
    expect(parseMessages(xml).map((m) => m.body)).toEqual(['First', 'Second']);
  });

  it('drops characters XML cannot carry instead of failing', () => {
    const xml = buildTwiml([{ body: 'a\u0001b\uFFFEc\uD800d', media: [] }]);
    expect(parseMessages(xml)).toEqual([{ body: 'abcd', media: [] }]);
  });
});
