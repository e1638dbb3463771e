// The Twilio webhooks as a table, after courier's handlers_test.go: each case is a raw form from
// test/fixtures/twilio (a few fields changed), signed with the twilio SDK's own helper, and what a
// user would see come back: the status, the TwiML reply, and what is stored (thread, messages).
//
// Twilio's odd deliveries of long concatenated SMS are here too. Besides arriving with CRLF line
// breaks, Twilio has been seen delivering one as an MMS (MM sid, NumMedia=0) whose Body is the
// text in base64 (nyaruka/rapidpro#1187, "Deal with Twilio arbitrarily sending messages as
// base64"; nyaruka/courier decodes it in its twiml handler for the same reason). Twilio does not
// document it, so the decoding is conservative (src/http/twilioForms.ts, decodePossibleBase64Body)
// and a human text that only looks like base64 is kept as sent (last case).
import request from 'supertest';
import { ManualClock } from '../../src/clock';
import { TEST_ADMIN } from '../support/config';
import { startFakeTwilio, type FakeTwilio } from '../support/fakeTwilio';
import { fixtureBotEnv, startTestServer, type TestServer } from '../support/server';
import {
  OUR_NUMBER,
  PUBLIC_URL,
  TEXTER,
  fixtureForm,
  messagesIn,
  newMessageSid,
  sign,
} from '../support/twilioRequests';

const HOURS = 'We are open 7am-7pm every day. - Test Cafe';
const HELP = 'Test bot: text HOURS or ORDER <number>. Reply STOP to unsubscribe.';
const CONCATENATED = fixtureForm('inbound-concatenated.form').Body.replace(/\r\n/g, '\n');
const UNICODE = fixtureForm('inbound-unicode.form').Body;

type Signature = 'valid' | 'missing' | 'another auth token' | 'another URL' | 'tampered';

interface StoredMessage {
  direction?: 'inbound' | 'outbound';
  body?: string;
  status?: string;
  rule?: string | null;
  sid?: string;
  errorCode?: number | null;
  /** [url, contentType] of each attachment. */
  media?: [string, string | null][];
}

interface WebhookCase {
  name: string;
  route?: '/twilio/sms' | '/twilio/status';
  /** A file in test/fixtures/twilio. */
  fixture: string;
  /** Fields changed from the fixture; `From` (or `To` for a status) is the case's contact. */
  fields?: Record<string, string>;
  omit?: string[];
  /** Keep the fixture's MessageSid and From (the first case: the fixture exactly as Twilio sent it). */
  asIs?: boolean;
  /** What the contact texted before this request. */
  before?: string[];
  /** Status callbacks: the message, sent through the API first, whose SID the form carries. */
  sent?: string;
  signature?: Signature;
  /** How many times Twilio posts the same form (a retry repeats it exactly). */
  times?: number;
  status: number;
  /** The <Message> texts of the TwiML reply. */
  replies?: string[];
  replyMedia?: string[];
  error?: { code: string; details?: unknown };
  /** The contact's thread afterwards (a subset), or null when none may exist. */
  thread?: Record<string, unknown> | null;
  /** All of the contact's messages afterwards, oldest first (each a subset). */
  stored?: StoredMessage[];
}

const cases: WebhookCase[] = [
  {
    name: 'plain SMS: the fixture as Twilio sent it is answered with the rendered template',
    fixture: 'inbound-sms.form',
    asIs: true,
    status: 200,
    replies: [HOURS],
    thread: { number: OUR_NUMBER, inboundCount: 1, messageCount: 2, optedOut: false },
    stored: [
      {
        direction: 'inbound',
        body: 'Hours?',
        status: 'received',
        rule: 'hours',
        sid: 'SM5c0a1f3e0c2b4d6e8f0a1b2c3d4e5f60',
      },
      { direction: 'outbound', body: HOURS, status: 'twiml', rule: 'hours' },
    ],
  },
  {
    name: 'MMS with two attachments: media stored, reply with media',
    fixture: 'inbound-mms.form',
    status: 200,
    replies: ['Thanks for the 2 pictures!'],
    replyMedia: ['https://example.com/thanks.png'],
    thread: { inboundCount: 1, messageCount: 2 },
    stored: [
      {
        direction: 'inbound',
        body: 'Here is the photo',
        rule: 'photo',
        media: [
          [
            'https://api.twilio.com/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Messages/MM9f8e7d6c5b4a39281706f5e4d3c2b1a0/Media/ME00000000000000000000000000000001',
            'image/jpeg',
          ],
          [
            'https://api.twilio.com/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Messages/MM9f8e7d6c5b4a39281706f5e4d3c2b1a0/Media/ME00000000000000000000000000000002',
            'image/png',
          ],
        ],
      },
      {
        direction: 'outbound',
        body: 'Thanks for the 2 pictures!',
        media: [['https://example.com/thanks.png', null]],
      },
    ],
  },
  {
    name: 'unicode body: emoji, CJK and XML special characters round-trip exactly',
    fixture: 'inbound-unicode.form',
    status: 200,
    replies: [`You said: ${UNICODE}`],
    stored: [
      { direction: 'inbound', body: UNICODE, rule: 'echo-xml' },
      { direction: 'outbound', body: `You said: ${UNICODE}` },
    ],
  },
  {
    name: 'long concatenated SMS with CRLF line breaks: stored and answered with plain newlines',
    fixture: 'inbound-concatenated.form',
    status: 200,
    replies: [`You said: ${CONCATENATED}`],
    stored: [
      { direction: 'inbound', body: CONCATENATED, rule: 'echo-xml' },
      { direction: 'outbound', body: `You said: ${CONCATENATED}` },
    ],
  },
  {
    name: 'long concatenated SMS delivered as an MMS with a base64 Body: decoded',
    fixture: 'inbound-concatenated-base64.form',
    status: 200,
    replies: [`You said: ${CONCATENATED}`],
    stored: [
      { direction: 'inbound', body: CONCATENATED, rule: 'echo-xml' },
      { direction: 'outbound', body: `You said: ${CONCATENATED}` },
    ],
  },
  {
    name: 'a long human text that only looks like base64 is kept as sent',
    fixture: 'inbound-sms.form',
    // 64 letters and digits: base64 alphabet and length, but it does not decode to UTF-8 text.
    fields: { Body: 'Zz9'.repeat(20) + 'Zz9Z' },
    status: 200,
    stored: [{ direction: 'inbound', body: 'Zz9'.repeat(20) + 'Zz9Z' }],
  },
  {
    name: 'regex captures fill {{match}}',
    fixture: 'inbound-sms.form',
    fields: { Body: 'Order #123456' },
    status: 200,
    replies: ['Order 123456 is on its way.'],
  },
  {
    name: 'a retried MessageSid is answered with the same TwiML and stored once',
    fixture: 'inbound-sms.form',
    fields: { Body: 'book' },
    times: 3,
    status: 200,
    replies: ['What name should I put it under?'],
    thread: { state: 'awaiting_name', inboundCount: 1, messageCount: 2 },
    stored: [
      { direction: 'inbound', body: 'book' },
      { direction: 'outbound', body: 'What name should I put it under?' },
    ],
  },
  {
    name: 'STOP opts the contact out with an empty reply',
    fixture: 'inbound-sms.form',
    fields: { Body: 'Stop' },
    status: 200,
    replies: [],
    thread: { optedOut: true },
    stored: [{ direction: 'inbound', body: 'Stop', status: 'received' }],
  },
  {
    name: 'after STOP, rules stay silent',
    fixture: 'inbound-sms.form',
    fields: { Body: 'hours' },
    before: ['STOP'],
    status: 200,
    replies: [],
    thread: { optedOut: true, inboundCount: 2 },
  },
  {
    name: 'after STOP, HELP still answers with the help template',
    fixture: 'inbound-sms.form',
    fields: { Body: 'help' },
    before: ['STOP'],
    status: 200,
    replies: [HELP],
    thread: { optedOut: true },
  },
  {
    name: 'START opts back in, and rules answer again',
    fixture: 'inbound-sms.form',
    fields: { Body: 'hours' },
    before: ['STOP', 'START'],
    status: 200,
    replies: [HOURS],
    thread: { optedOut: false, inboundCount: 3 },
  },
  {
    name: 'status callback "delivered": the sent message is marked delivered',
    route: '/twilio/status',
    fixture: 'status-delivered.form',
    sent: 'Your table is ready',
    status: 204,
    thread: { optedOut: false },
    stored: [{ direction: 'outbound', body: 'Your table is ready', status: 'delivered' }],
  },
  {
    name: 'status callback "undelivered" with 30003: status and error stored',
    route: '/twilio/status',
    fixture: 'status-undelivered.form',
    sent: 'Your table is ready',
    status: 204,
    thread: { optedOut: false },
    stored: [{ status: 'undelivered', errorCode: 30003 }],
  },
  {
    name: 'status callback with error 21610 (the recipient replied STOP to Twilio): opted out',
    route: '/twilio/status',
    fixture: 'status-opted-out.form',
    sent: 'Your table is ready',
    status: 204,
    thread: { optedOut: true },
    stored: [{ status: 'undelivered', errorCode: 21610 }],
  },
  ...['From', 'To', 'MessageSid'].map((field): WebhookCase => ({
    name: `missing ${field}: 400 JSON naming it, nothing stored`,
    fixture: 'inbound-sms.form',
    omit: [field],
    status: 400,
    error: { code: 'missing_fields', details: { missing: [field] } },
    thread: null,
    stored: [],
  })),
  {
    name: 'status callback without MessageStatus: 400 JSON naming it',
    route: '/twilio/status',
    fixture: 'status-delivered.form',
    omit: ['MessageStatus', 'SmsStatus'],
    sent: 'Your table is ready',
    status: 400,
    error: { code: 'missing_fields', details: { missing: ['MessageStatus'] } },
    stored: [{ direction: 'outbound', status: 'queued' }],
  },
  ...(['missing', 'another auth token', 'another URL', 'tampered'] as const).map(
    (signature): WebhookCase => ({
      name: `bad signature (${signature}): 403, nothing stored`,
      fixture: 'inbound-sms.form',
      signature,
      status: 403,
      error: {
        code: signature === 'missing' ? 'twilio_signature_missing' : 'twilio_signature_invalid',
      },
      thread: null,
      stored: [],
    }),
  ),
];

describe('Twilio webhooks, case by case', () => {
  let fake: FakeTwilio;
  let server: TestServer;

  beforeAll(async () => {
    fake = await startFakeTwilio();
    server = await startTestServer(fixtureBotEnv(fake), {
      clock: new ManualClock(new Date('2026-03-04T12:00:00Z')),
      label: 'webhooks',
    });
  });
  afterAll(async () => {
    await server.stop();
    await fake.close();
  });

  function post(route: string, form: Record<string, string>, signature: Signature = 'valid') {
    const url = `${PUBLIC_URL}${route}`;
    const req = request(server.url).post(route).type('form');
    const signed = {
      valid: () => sign(fake.authToken, url, form),
      missing: () => null,
      'another auth token': () => sign('0'.repeat(32), url, form),
      'another URL': () => sign(fake.authToken, `${PUBLIC_URL}/other`, form),
      tampered: () => sign(fake.authToken, url, { ...form, Body: 'signed body' }),
    }[signature]();
    if (signed !== null) req.set('X-Twilio-Signature', signed);
    return req.send(new URLSearchParams(form).toString());
  }

  async function storedFor(contact: string): Promise<StoredMessage[]> {
    const messages = await server.models.Message.find({ contact }).lean();
    return messages
      .sort(
        (a, b) =>
          a.createdAt.getTime() - b.createdAt.getTime() || a.direction.localeCompare(b.direction),
      )
      .map((m) => ({
        direction: m.direction,
        body: m.body,
        status: m.status,
        rule: m.rule,
        sid: m.sid ?? undefined,
        errorCode: m.errorCode,
        media: m.media.map((x) => [x.url, x.contentType] as [string, string | null]),
      }));
  }

  it.each(cases.map((c, i) => [c.name, c, i] as const))('%s', async (_name, c, i) => {
    const route = c.route ?? '/twilio/sms';
    const contact = c.asIs ? TEXTER : `+141555502${String(i).padStart(2, '0')}`;
    const form: Record<string, string> = { ...fixtureForm(c.fixture) };

    for (const body of c.before ?? []) {
      const earlier: Record<string, string> = {
        ...fixtureForm('inbound-sms.form'),
        From: contact,
        Body: body,
      };
      earlier.MessageSid = earlier.SmsSid = earlier.SmsMessageSid = newMessageSid();
      await post('/twilio/sms', earlier).expect(200);
    }
    if (route === '/twilio/status') {
      form.To = contact;
      if (c.sent) {
        const sent = await request(server.url)
          .post('/api/messages')
          .auth(TEST_ADMIN.name, TEST_ADMIN.password)
          .send({ to: contact, body: c.sent })
          .expect(202);
        form.MessageSid = form.SmsSid = sent.body.sid;
      }
    } else if (!c.asIs) {
      form.From = contact;
      form.MessageSid = form.SmsSid = form.SmsMessageSid = newMessageSid();
    }
    Object.assign(form, c.fields);
    for (const field of c.omit ?? []) delete form[field];

    const answers = [];
    for (let n = 0; n < (c.times ?? 1); n++) answers.push(await post(route, form, c.signature));
    const res = answers[0];

    expect(res.status).toBe(c.status);
    for (const again of answers.slice(1))
      expect([again.status, again.text]).toEqual([res.status, res.text]);
    if (c.replies) {
      expect(res.headers['content-type']).toMatch(/^text\/xml/);
      expect(messagesIn(res.text)).toEqual(c.replies);
      expect([...res.text.matchAll(/<Media>([^<]*)<\/Media>/g)].map((m) => m[1])).toEqual(
        c.replyMedia ?? [],
      );
    }
    if (c.error) expect(res.body.error).toMatchObject(c.error);
    if (c.status === 204) expect(res.text).toBe('');

    if (c.thread !== undefined) {
      const thread = await server.models.Thread.findOne({ contact }).lean();
      if (c.thread === null) expect(thread).toBeNull();
      else expect(thread).toMatchObject({ contact, ...c.thread });
    }
    if (c.stored) {
      expect(await storedFor(contact)).toEqual(c.stored.map((m) => expect.objectContaining(m)));
    }
  });
});
