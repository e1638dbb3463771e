import type { InboundForMatching, ThreadSnapshot } from '../../../src/rules';
import { decideBody, load } from './support';

interface Case {
  when: string;
  body: string;
  matches: boolean;
  match?: Record<string, string>;
  message?: Partial<InboundForMatching>;
  thread?: Partial<ThreadSnapshot>;
  now?: string;
}

/** One rule with the given `when` (YAML flow syntax); does the message reach it? */
function check(c: Case): void {
  const ruleSet = load(`rules:\n  - id: r\n    when: ${c.when}\n`);
  const now = c.now === undefined ? undefined : new Date(c.now);
  const decision = decideBody(ruleSet, c.body, { message: c.message, thread: c.thread, now });
  expect(decision.kind).toBe(c.matches ? 'rule' : 'none');
  if (c.match) expect(decision.match).toEqual(c.match);
}

const cases: Record<string, Case[]> = {
  keyword: [
    { when: '{keyword: hours}', body: 'hours?', matches: true, match: { keyword: 'hours' } },
    { when: '{keyword: hours}', body: 'HOURS please', matches: true },
    {
      when: '{keyword: [hours, open]}',
      body: 'Open today?',
      matches: true,
      match: { keyword: 'open' },
    },
    { when: '{keyword: hours}', body: 'what are your hours', matches: false },
    { when: '{keyword: hours}', body: 'hoursss', matches: false },
    { when: '{keyword: hours}', body: '👋 hours?', matches: true },
    { when: '{keyword: "Hours!"}', body: 'hours', matches: true },
    { when: '{keyword: café}', body: 'Café?', matches: true },
    { when: '{keyword: café}', body: 'cafe', matches: false },
    { when: '{keyword: 1}', body: '1', matches: true },
    { when: '{keyword: "👍"}', body: '👍', matches: true },
  ],
  equals: [
    { when: '{equals: "opening hours"}', body: ' Opening   HOURS?! ', matches: true },
    { when: '{equals: "opening hours"}', body: 'opening hours today', matches: false },
    { when: '{equals: [yes please, sure]}', body: 'Sure.', matches: true },
    { when: '{equals: ""}', body: '', matches: true },
  ],
  contains: [
    { when: '{contains: [price, cost]}', body: 'What does it cost?', matches: true },
    { when: '{contains: price}', body: 'Your PRICES?', matches: false },
    { when: '{contains: "price list"}', body: 'send the price   list, please', matches: true },
    { when: '{contains: "price list"}', body: 'price of the list', matches: false },
    { when: '{contains: cost}', body: 'costume', matches: false },
  ],
  contains_all: [
    { when: '{contains_all: [red, shirt]}', body: 'Do you have the shirt in RED?', matches: true },
    { when: '{contains_all: [red, shirt]}', body: 'red hat', matches: false },
    { when: '{contains_all: ["red shirt", size]}', body: 'size of the red shirt', matches: true },
  ],
  starts_with: [
    { when: '{starts_with: "book "}', body: 'Book Tuesday 3pm', matches: true },
    { when: '{starts_with: "book "}', body: 'booking', matches: false },
    { when: '{starts_with: "book "}', body: 'book', matches: false },
    { when: '{starts_with: book}', body: 'booking', matches: true },
    { when: '{starts_with: "my name is"}', body: '  My   name is Ana', matches: true },
  ],
  regex: [
    {
      when: "{regex: '^order\\s+(?<order>\\d{4,10})$'}",
      body: 'ORDER 12345.',
      matches: true,
      match: { order: '12345' },
    },
    { when: "{regex: '^order\\s+(?<order>\\d{4,10})$'}", body: 'order 12', matches: false },
    { when: "{regex: '\\?$'}", body: 'really?', matches: true },
    {
      when: "{regex: 'name is (?<name>\\p{L}+)'}",
      body: 'my name is Zoë',
      matches: true,
      match: { name: 'Zoë' },
    },
    { when: "{regex: '(?<a>x)|(?<b>y)'}", body: 'y', matches: true, match: { b: 'y' } },
  ],
  number: [
    {
      when: '{number: {min: 1, max: 5}}',
      body: 'I give it a 4!',
      matches: true,
      match: { number: '4' },
    },
    {
      when: '{number: {min: 1, max: 5}}',
      body: 'order 12345, 3 items',
      matches: true,
      match: { number: '3' },
    },
    { when: '{number: {min: 1, max: 5}}', body: '7', matches: false },
    { when: '{number: {min: 1, max: 5}}', body: 'four', matches: false },
    { when: '{number: {min: 1, max: 5}}', body: 'the 4th', matches: false },
    { when: '{number: {min: 0, max: 1}}', body: '0.5', matches: true, match: { number: '0.5' } },
    {
      when: '{number: {max: 0}}',
      body: 'it is -3 outside',
      matches: true,
      match: { number: '-3' },
    },
    { when: '{number: {}}', body: 'call me at 9', matches: true, match: { number: '9' } },
  ],
  from: [
    { when: '{from: "+14155550123"}', body: 'x', matches: true },
    { when: '{from: ["+1415555*"]}', body: 'x', matches: true },
    { when: '{from: ["+1212*", "+1415*"]}', body: 'x', matches: true },
    { when: '{from: "+1212*"}', body: 'x', matches: false },
    { when: '{from: "+1415555012"}', body: 'x', matches: false },
  ],
  to: [
    { when: '{to: "+14155550100"}', body: 'x', matches: true },
    { when: '{to: ["+1800*"]}', body: 'x', matches: false },
  ],
  state: [
    {
      when: '{state: awaiting_name}',
      body: 'Ana',
      thread: { state: 'awaiting_name' },
      matches: true,
    },
    { when: '{state: awaiting_name}', body: 'Ana', thread: { state: null }, matches: false },
    { when: '{state: null}', body: 'Ana', thread: { state: null }, matches: true },
    { when: '{state: null}', body: 'Ana', thread: { state: 'x' }, matches: false },
  ],
  first_message: [
    { when: '{first_message: true}', body: 'hi', thread: { messageCount: 0 }, matches: true },
    { when: '{first_message: true}', body: 'hi', thread: { messageCount: 1 }, matches: false },
    { when: '{first_message: false}', body: 'hi', thread: { messageCount: 5 }, matches: true },
  ],
  has_media: [
    {
      when: '{has_media: true}',
      body: '',
      message: { media: [{ url: 'https://x/y.jpg' }] },
      matches: true,
    },
    { when: '{has_media: true}', body: 'hi', matches: false },
    { when: '{has_media: false}', body: 'hi', matches: true },
  ],
  time: [
    // 2024-01-03 is a Wednesday.
    {
      when: '{time: {days: mon-fri, between: "09:00-17:00"}}',
      body: 'x',
      now: '2024-01-03T12:00Z',
      matches: true,
    },
    {
      when: '{time: {days: mon-fri, between: "09:00-17:00"}}',
      body: 'x',
      now: '2024-01-03T17:00Z',
      matches: false,
    },
    {
      when: '{time: {days: mon-fri, between: "09:00-17:00"}}',
      body: 'x',
      now: '2024-01-03T09:00Z',
      matches: true,
    },
    { when: '{time: {days: mon-fri}}', body: 'x', now: '2024-01-06T12:00Z', matches: false },
    { when: '{time: {days: [sat, sun]}}', body: 'x', now: '2024-01-06T12:00Z', matches: true },
    { when: '{time: {days: "mon,wed"}}', body: 'x', now: '2024-01-03T12:00Z', matches: true },
    { when: '{time: {days: "mon,wed"}}', body: 'x', now: '2024-01-02T12:00Z', matches: false },
    { when: '{time: {days: fri-mon}}', body: 'x', now: '2024-01-07T12:00Z', matches: true },
    {
      when: '{time: {between: "22:00-06:00"}}',
      body: 'x',
      now: '2024-01-03T23:30Z',
      matches: true,
    },
    {
      when: '{time: {between: "22:00-06:00"}}',
      body: 'x',
      now: '2024-01-03T05:59Z',
      matches: true,
    },
    {
      when: '{time: {between: "22:00-06:00"}}',
      body: 'x',
      now: '2024-01-03T06:00Z',
      matches: false,
    },
    // A window wrapping midnight belongs to the day it starts: Friday night runs into Saturday.
    {
      when: '{time: {days: fri, between: "22:00-02:00"}}',
      body: 'x',
      now: '2024-01-06T01:00Z',
      matches: true,
    },
    {
      when: '{time: {days: fri, between: "22:00-02:00"}}',
      body: 'x',
      now: '2024-01-05T01:00Z',
      matches: false,
    },
    // 12:00 UTC is 07:00 in New York (EST) and 13:00 in Berlin.
    {
      when: '{time: {between: "09:00-17:00", timezone: America/New_York}}',
      body: 'x',
      now: '2024-01-03T12:00Z',
      matches: false,
    },
    {
      when: '{time: {between: "09:00-17:00", timezone: Europe/Berlin}}',
      body: 'x',
      now: '2024-01-03T12:00Z',
      matches: true,
    },
    // Daylight saving time: 12:00 UTC in July is 08:00 in New York (EDT).
    {
      when: '{time: {between: "08:00-09:00", timezone: America/New_York}}',
      body: 'x',
      now: '2024-07-03T12:00Z',
      matches: true,
    },
  ],
  any: [
    {
      when: '{any: [{keyword: hi}, {keyword: hello}]}',
      body: 'Hello!',
      matches: true,
      match: { keyword: 'hello' },
    },
    { when: '{any: [{keyword: hi}, {contains: hey}]}', body: 'oh hey', matches: true },
    { when: '{any: [{keyword: hi}, {keyword: hello}]}', body: 'bye', matches: false },
    {
      when: "{any: [{regex: '^(?<n>\\d+)$'}, {keyword: x}]}",
      body: '42',
      matches: true,
      match: { n: '42' },
    },
  ],
  not: [
    { when: '{not: {from: "+1415*"}}', body: 'x', matches: false },
    { when: '{not: {from: "+1212*"}}', body: 'x', matches: true },
    { when: "{not: {regex: '(?<g>x)'}}", body: 'y', matches: true, match: {} },
    {
      when: '{keyword: hours, not: {state: busy}}',
      body: 'hours',
      thread: { state: 'busy' },
      matches: false,
    },
  ],
  'several conditions (all must hold)': [
    { when: '{keyword: hours, from: "+1415*"}', body: 'hours', matches: true },
    { when: '{keyword: hours, from: "+1212*"}', body: 'hours', matches: false },
    {
      when: "{keyword: order, regex: '(?<id>\\d+)', state: shopping}",
      body: 'order 77',
      thread: { state: 'shopping' },
      matches: true,
      match: { keyword: 'order', id: '77' },
    },
  ],
};

describe.each(Object.entries(cases))('condition %s', (_name, table) => {
  test.each(table)('$when with $body → matches: $matches', (c) => check(c));
});

test('a rule without `when` matches every message', () => {
  const ruleSet = load('rules:\n  - id: fallback\n    reply: {text: "Sorry?"}\n');
  expect(decideBody(ruleSet, '').rule?.id).toBe('fallback');
  expect(decideBody(ruleSet, 'anything at all').rule?.id).toBe('fallback');
});

test('an empty `when:` (every condition commented out) means always', () => {
  const ruleSet = load('rules:\n  - id: fallback\n    when:\n      # keyword: hours\n');
  expect(decideBody(ruleSet, 'x').rule?.id).toBe('fallback');
});
