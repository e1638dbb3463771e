// The example templates shipped in templates/ must load and render for the contexts rules give them.
import path from 'node:path';
import {
  buildTemplateContext,
  buildTemplateStore,
  loadTemplateFiles,
  splitMessage,
  type TemplateContextInput,
  type TemplateStore,
} from '../../../src/templates';

const TEMPLATES_DIR = path.join(__dirname, '../../../templates');

const returning: TemplateContextInput = {
  message: {
    body: 'order 1234',
    from: '+14155550123',
    to: '+14155550100',
    media: [{ url: 'https://api.twilio.com/media/ME1' }, 'https://api.twilio.com/media/ME2'],
  },
  contact: {
    phone: '+14155550123',
    vars: { name: 'Ana', stamps: 3 },
    tags: ['regular'],
    state: null,
    firstSeen: new Date('2024-05-01T08:00:00Z'),
    messageCount: 7,
  },
  match: { order: '1234' },
  now: new Date('2024-07-06T09:30:00Z'), // a Saturday
  rule: { id: 'order-status', description: 'Order status lookup' },
};

const newcomer: TemplateContextInput = {
  message: { body: 'hi', from: '+14155550999', to: '+14155550100' },
  contact: { phone: '+14155550999' },
  now: new Date('2024-07-06T09:30:00Z'),
};

const EXAMPLES = [
  'booked',
  'booking-changed',
  'confirm-booking',
  'fallback',
  'follow-up',
  'help',
  'hours',
  'loyalty',
  'menu',
  'opted-in',
  'order-status',
  'photo-thanks',
  'weekend',
  'welcome',
];

let store: TemplateStore;

beforeAll(async () => {
  const built = buildTemplateStore(await loadTemplateFiles(TEMPLATES_DIR), {
    defaultTimezone: 'Europe/Berlin',
  });
  if (!built.ok) throw new Error(JSON.stringify(built.errors, null, 2));
  store = built.store;
});

it('ships the example templates the README and rules refer to', () => {
  expect([...store.names].sort()).toEqual(EXAMPLES);
  expect([...store.partialNames].sort()).toEqual(['price-list', 'signature']);
});

/** What a rule must provide beyond a bare message from an unknown contact. */
const booking = { name: 'Bo', party: '4', time: '7pm' };
const REQUIRES: Record<string, Partial<TemplateContextInput>> = {
  'order-status': { match: { order: '1234' } },
  booked: { contact: { phone: '+14155550999', vars: booking } },
  'booking-changed': { contact: { phone: '+14155550999', vars: booking } },
  'confirm-booking': { contact: { phone: '+14155550999', vars: booking } },
  'photo-thanks': { message: { body: '', media: ['https://api.twilio.com/media/ME1'] } },
};

describe.each([
  [
    'a returning contact',
    (name: string) => ({ ...returning, ...mergeVars(returning, REQUIRES[name]) }),
  ],
  ['a contact we know nothing about', (name: string) => ({ ...newcomer, ...REQUIRES[name] })],
])('for %s', (_who, inputFor) => {
  it.each(EXAMPLES)('renders %s as one short, complete SMS', (name) => {
    const text = store.render(name, buildTemplateContext(inputFor(name)));
    expect(text.trim()).not.toBe('');
    expect(text).not.toMatch(/undefined|null|NaN|\[object/);
    // A blank variable leaves tell-tale gaps: "Thanks, !" or "Order #: …".
    expect(text).not.toMatch(/\s[,.!?]|#\W/);
    expect(splitMessage(text)).toHaveLength(1);
    expect(text.length).toBeLessThanOrEqual(320); // at most two GSM-7 segments
  });
});

/** A returning contact keeps its own vars, plus whatever a template needs. */
function mergeVars(
  base: TemplateContextInput,
  extra: Partial<TemplateContextInput> | undefined,
): Partial<TemplateContextInput> {
  if (!extra?.contact) return extra ?? {};
  return {
    ...extra,
    contact: { ...base.contact, vars: { ...base.contact.vars, ...extra.contact.vars } },
  };
}

it.each([
  ['help', returning, /Reply STOP to unsubscribe/],
  ['help', returning, /- Bean There Coffee/],
  ['fallback', returning, /^Sorry, I didn't get that/],
  ['order-status', returning, /^Order #1234:/],
  [
    'confirm-booking',
    { ...newcomer, ...REQUIRES['confirm-booking'] },
    /^Thanks, Bo! A table for 4 at 7pm\./,
  ],
  ['follow-up', returning, /^Hi Ana, .* You have 3 stamps on your loyalty card\.$/],
  ['follow-up', newcomer, /^Hi there, thanks for visiting Bean There! .* from 1 to 5\.$/],
  ['photo-thanks', returning, /^Thanks for the 2 photos, Ana!/],
  ['photo-thanks', { ...newcomer, ...REQUIRES['photo-thanks'] }, /^Thanks for the photo, friend!/],
  // 09:30 UTC is 02:30 at the shop in San Francisco (PDT), still Saturday.
  ['hours', returning, /It's Sat 02:30 at the shop now\.$/],
  ['weekend', returning, /^SATURDAY SPECIAL:/],
  ['menu', returning, /^Today's menu:\nEspresso \$3, latte \$4\.50, .*\nOrder at the counter/],
  ['opted-in', newcomer, /STOP to unsubscribe/],
])('%s says what it should (%#)', (name, input, expected) => {
  expect(store.render(name, buildTemplateContext(input))).toMatch(expected);
});
