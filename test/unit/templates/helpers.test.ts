import { TemplateRenderError } from '../../../src/templates';
import { storeOf, withVars } from './support';

const store = storeOf();
const render = (source: string, vars: Record<string, unknown> = {}, now?: Date) =>
  store.renderInline(source, withVars(vars, now));

type Case = [behaviour: string, source: string, vars: Record<string, unknown>, expected: string];

describe('upper and lower', () => {
  it.each<Case>([
    ['upper-cases a value', '{{upper vars.name}}', { name: 'Bean There' }, 'BEAN THERE'],
    ['upper-cases beyond ASCII', '{{upper vars.street}}', { street: 'straße' }, 'STRASSE'],
    ['lower-cases a value', '{{lower vars.name}}', { name: 'LaTTe' }, 'latte'],
    ['renders a missing value as empty', '[{{upper vars.missing}}]', {}, '[]'],
    ['turns numbers into text', '{{upper vars.n}}', { n: 3 }, '3'],
  ])('%s', (_behaviour, source, vars, expected) => {
    expect(render(source, vars)).toBe(expected);
  });
});

describe('default', () => {
  it.each<Case>([
    ['keeps a present value', '{{default vars.name "friend"}}', { name: 'Ana' }, 'Ana'],
    ['uses the fallback for a missing value', '{{default vars.name "friend"}}', {}, 'friend'],
    ['uses the fallback for null', '{{default vars.name "friend"}}', { name: null }, 'friend'],
    [
      'uses the fallback for an empty string',
      '{{default vars.name "friend"}}',
      { name: '' },
      'friend',
    ],
    ['keeps zero', '{{default vars.n "none"}}', { n: 0 }, '0'],
    ['keeps false', '{{default vars.b "none"}}', { b: false }, 'false'],
    ['keeps a blank but non-empty string', '[{{default vars.name "x"}}]', { name: ' ' }, '[ ]'],
    ['falls back to another variable', '{{default vars.nick vars.name}}', { name: 'Ana' }, 'Ana'],
  ])('%s', (_behaviour, source, vars, expected) => {
    expect(render(source, vars)).toBe(expected);
  });
});

describe('eq', () => {
  it.each<Case>([
    [
      'is true inside if for equal strings',
      '{{#if (eq vars.size "large")}}L{{else}}other{{/if}}',
      { size: 'large' },
      'L',
    ],
    [
      'is false inside if for different strings',
      '{{#if (eq vars.size "large")}}L{{else}}other{{/if}}',
      { size: 'small' },
      'other',
    ],
    ['works as a block', '{{#eq vars.size "large"}}L{{else}}other{{/eq}}', { size: 'large' }, 'L'],
    [
      'takes the else branch as a block',
      '{{#eq vars.size "large"}}L{{else}}other{{/eq}}',
      { size: 'tall' },
      'other',
    ],
    ['renders nothing without an else branch', '[{{#eq vars.a 1}}one{{/eq}}]', { a: 2 }, '[]'],
    [
      'treats a number and its string as equal',
      '{{#if (eq vars.count 3)}}three{{/if}}',
      { count: '3' },
      'three',
    ],
    [
      'does not equate an empty string with zero',
      '{{#if (eq vars.count 0)}}zero{{else}}no{{/if}}',
      { count: '' },
      'no',
    ],
    ['compares case-sensitively', '{{#if (eq vars.a "Yes")}}y{{else}}n{{/if}}', { a: 'yes' }, 'n'],
    [
      'keeps the outer context inside the block',
      '{{#eq vars.a 1}}{{vars.name}}{{/eq}}',
      { a: 1, name: 'Ana' },
      'Ana',
    ],
  ])('%s', (_behaviour, source, vars, expected) => {
    expect(render(source, vars)).toBe(expected);
  });

  it('fails to render without two values', () => {
    expect(() => render('{{#if (eq vars.a)}}x{{/if}}', { a: 1 })).toThrow(/eq: needs two values/);
  });
});

describe('plural', () => {
  it.each<Case>([
    ['uses the singular for one', '{{plural vars.n "cup" "cups"}}', { n: 1 }, '1 cup'],
    ['uses the plural for several', '{{plural vars.n "cup" "cups"}}', { n: 3 }, '3 cups'],
    ['uses the plural for zero', '{{plural vars.n "cup" "cups"}}', { n: 0 }, '0 cups'],
    ['adds "s" when no plural is given', '{{plural vars.n "stamp"}}', { n: 2 }, '2 stamps'],
    ['takes an irregular plural', '{{plural vars.n "mouse" "mice"}}', { n: 2 }, '2 mice'],
    ['accepts a count stored as text', '{{plural vars.n "cup"}}', { n: '1' }, '1 cup'],
    ['uses the plural for fractions', '{{plural vars.n "cup"}}', { n: 1.5 }, '1.5 cups'],
  ])('%s', (_behaviour, source, vars, expected) => {
    expect(render(source, vars)).toBe(expected);
  });

  it('fails to render a count that is not a number', () => {
    expect(() => render('{{plural vars.n "cup"}}', { n: 'many' })).toThrow(TemplateRenderError);
    expect(() => render('{{plural vars.n "cup"}}', {})).toThrow(
      /plural: undefined is not a number/,
    );
  });
});

describe('date', () => {
  const summer = new Date('2024-07-01T12:05:09Z');
  type DateCase = [behaviour: string, source: string, now: Date, expected: string];

  it.each<DateCase>([
    [
      'formats in the named zone (summer time)',
      '{{date now "YYYY-MM-DD HH:mm" "Europe/Berlin"}}',
      summer,
      '2024-07-01 14:05',
    ],
    [
      'formats in the named zone (winter time)',
      '{{date now "YYYY-MM-DD HH:mm" "Europe/Berlin"}}',
      new Date('2024-01-15T12:00:00Z'),
      '2024-01-15 13:00',
    ],
    [
      'moves to the previous day west of UTC',
      '{{date now "YYYY-MM-DD HH:mm" "America/Los_Angeles"}}',
      new Date('2024-01-01T05:00:00Z'),
      '2023-12-31 21:00',
    ],
    ['handles half-hour offsets', '{{date now "HH:mm" "Asia/Kolkata"}}', summer, '17:35'],
    [
      'uses the default zone when none is named',
      '{{date now "YYYY-MM-DD HH:mm"}}',
      summer,
      '2024-07-01 12:05',
    ],
    ['uses the default format when none is given', '{{date now}}', summer, '2024-07-01 12:05'],
    [
      'knows every token',
      '{{date now "YYYY MM DD HH mm ss ddd dddd MMM MMMM" "Europe/Berlin"}}',
      summer,
      '2024 07 01 14 05 09 Mon Monday Jul July',
    ],
    [
      'prints the day without padding with D',
      '{{date now "ddd D MMM" "Europe/Berlin"}}',
      summer,
      'Mon 1 Jul',
    ],
    [
      'prints midnight as 00, not 24',
      '{{date now "DD HH:mm" "Europe/Berlin"}}',
      new Date('2024-07-01T22:00:00Z'),
      '02 00:00',
    ],
    [
      'copies [bracketed] text literally',
      '{{date now "dddd [at] HH:mm [MM]" "UTC"}}',
      summer,
      'Monday at 12:05 MM',
    ],
    ['leaves other letters alone', '{{date now "Q/M Y"}}', summer, 'Q/M Y'],
    ['works as a subexpression', '{{upper (date now "ddd")}}', summer, 'MON'],
  ])('%s', (_behaviour, source, now, expected) => {
    expect(render(source, {}, now)).toBe(expected);
  });

  it.each<Case>([
    [
      'formats an ISO string',
      '{{date vars.when "DD MMM HH:mm" "Europe/London"}}',
      { when: '2024-12-25T10:00:00Z' },
      '25 Dec 10:00',
    ],
    [
      'formats epoch milliseconds',
      '{{date vars.when "YYYY-MM-DD" "UTC"}}',
      { when: 0 },
      '1970-01-01',
    ],
    ['renders a missing date as empty', '[{{date vars.when "YYYY"}}]', {}, '[]'],
  ])('%s', (_behaviour, source, vars, expected) => {
    expect(render(source, vars)).toBe(expected);
  });

  it('uses the zone the store was built with as the default', () => {
    const tokyo = storeOf({}, 'Asia/Tokyo');
    const context = withVars({}, new Date('2024-01-01T20:00:00Z'));
    expect(tokyo.renderInline('{{date now "YYYY-MM-DD HH:mm"}}', context)).toBe('2024-01-02 05:00');
  });

  it('fails to render an unknown time zone, naming it', () => {
    expect(() => render('{{date now "HH:mm" "Mars/Olympus"}}')).toThrow(
      /unknown time zone "Mars\/Olympus"/,
    );
  });

  it('fails to render a value that is not a date', () => {
    expect(() => render('{{date vars.when}}', { when: 'next tuesday' })).toThrow(/is not a date/);
  });

  it('refuses to build a store with an unknown default zone', () => {
    expect(() => storeOf({}, 'Nowhere/Special')).toThrow(/unknown time zone/);
  });
});

describe('json', () => {
  it.each<Case>([
    ['prints an object compactly', '{{json vars}}', { a: 1, b: 'x' }, '{"a":1,"b":"x"}'],
    ['prints a string with quotes', '{{json vars.s}}', { s: 'a"b' }, '"a\\"b"'],
    ['prints nothing for a missing value', '[{{json vars.missing}}]', {}, '[]'],
  ])('%s', (_behaviour, source, vars, expected) => {
    expect(render(source, vars)).toBe(expected);
  });
});

describe('plain-text rendering', () => {
  const typed = `Fish & <Chips> "ok" 'yes' = &amp; \`x\``;

  it.each([
    ['double braces', '{{vars.text}}'],
    ['triple braces', '{{{vars.text}}}'],
    ['a helper result', '{{default vars.text "x"}}'],
  ])('does not HTML-escape %s', (_form, source) => {
    expect(render(source, { text: typed })).toBe(typed);
  });

  it('keeps template text as typed', () => {
    expect(render(`Tea & "cake" <3 it's {{vars.n}}`, { n: 1 })).toBe(`Tea & "cake" <3 it's 1`);
  });
});
