// The webhook as Twilio calls it: signed, form-encoded requests in; TwiML, threads and messages out.
// One request, one answer (plain SMS, MMS, status, unicode, concatenated, STOP/START/HELP, retries,
// missing fields, bad signatures) is a row in webhook-table.test.ts; here are the flows over
// several requests and the rule set's edge cases.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { ManualClock } from '../../src/clock';
import { startFakeTwilio, type FakeTwilio } from '../support/fakeTwilio';
import { fixtureBotEnv, FIXTURE_BOT, startTestServer, type TestServer } from '../support/server';
import { TEST_ADMIN } from '../support/config';
import {
  OUR_NUMBER,
  PUBLIC_URL,
  TEXTER,
  inboundForm,
  messagesIn,
  postSigned,
  sign,
} from '../support/twilioRequests';

describe('POST /twilio/sms', () => {
  let fake: FakeTwilio;
  let server: TestServer;
  const clock = new ManualClock(new Date('2026-03-04T12:00:00Z'));
  const post = (params: Record<string, string>, route = '/twilio/sms') =>
    postSigned(server.url, route, params, fake.authToken);
  const thread = (contact = TEXTER) => server.models.Thread.findOne({ contact }).lean();

  beforeAll(async () => {
    fake = await startFakeTwilio();
    server = await startTestServer(fixtureBotEnv(fake), { clock, label: 'inbound' });
  });
  afterAll(async () => {
    await server.stop();
    await fake.close();
  });

  it('follows a state flow, storing vars, tags and a follow-up schedule', async () => {
    const from = '+14155550134';
    await post(inboundForm({ Body: 'book', From: from })).expect(200);
    expect(await thread(from)).toMatchObject({ state: 'awaiting_name' });

    const res = await post(inboundForm({ Body: 'Ada Lovelace', From: from })).expect(200);
    expect(messagesIn(res.text)).toEqual(['Thanks Ada Lovelace, you are booked.']);
    expect(await thread(from)).toMatchObject({
      state: null,
      vars: { name: 'Ada Lovelace' },
      tags: ['booked'],
    });

    const followUp = await server.models.Schedule.findOne({ to: from }).lean();
    expect(followUp).toMatchObject({
      body: 'See you soon, Ada Lovelace!',
      source: 'rule',
      rule: 'got-name',
      status: 'active',
    });
    expect(followUp!.sendAt!.toISOString()).toBe(
      new Date(clock.now().getTime() + 2 * 3_600_000).toISOString(),
    );
  });

  it('a contact who sent STOP to one of our numbers gets no rule replies from another, even a first message', async () => {
    const from = '+14155550147';
    const otherNumber = '+14155550198';
    await post(inboundForm({ Body: 'STOP', From: from })).expect(200);

    const first = await post(inboundForm({ Body: 'hours', From: from, To: otherNumber })).expect(
      200,
    );
    expect(messagesIn(first.text)).toEqual([]);
    const other = await server.models.Thread.findOne({ contact: from, number: otherNumber }).lean();
    expect(other).toMatchObject({ optedOut: true, inboundCount: 1 });

    // START on the new number opts the contact back in everywhere.
    await post(inboundForm({ Body: 'START', From: from, To: otherNumber })).expect(200);
    const back = await post(inboundForm({ Body: 'hours', From: from })).expect(200);
    expect(messagesIn(back.text)).toHaveLength(1);
  });

  it("finishes a message whose first attempt stored it but lost the thread's update, on the retry", async () => {
    const from = '+14155550139';
    await post(inboundForm({ Body: 'book', From: from })).expect(200);
    const before = await thread(from);
    const form = inboundForm({ Body: 'Grace Hopper', From: from });
    const first = await post(form).expect(200);
    // What a database gone between the message's insert and the thread's update leaves behind:
    // the message and its reply stored, the thread as it was before the message.
    await server.models.Thread.replaceOne({ _id: before!._id }, before!);
    await server.models.Schedule.deleteMany({ to: from });

    const retry = await post(form).expect(200);
    expect(retry.text).toBe(first.text);
    expect(await thread(from)).toMatchObject({
      state: null,
      vars: { name: 'Grace Hopper' },
      tags: ['booked'],
      inboundCount: 2,
      messageCount: 4,
    });
    const followUps = await server.models.Schedule.find({ to: from }).lean();
    expect(followUps.map((f) => f.body)).toEqual(['See you soon, Grace Hopper!']);
    expect(await server.models.Message.countDocuments({ contact: from })).toBe(4);

    // A further retry, and a retry of the earlier message, change nothing.
    await post(form).expect(200);
    const bookSid = before!.lastInbound!.replace(/^in:/, '');
    await post(inboundForm({ Body: 'book', From: from, MessageSid: bookSid })).expect(200);
    expect(await thread(from)).toMatchObject({ state: null, inboundCount: 2, messageCount: 4 });

    // Gone after the follow-up was created: finishing it again does not schedule it twice.
    await server.models.Thread.replaceOne({ _id: before!._id }, before!);
    await post(form).expect(200);
    expect(await thread(from)).toMatchObject({ vars: { name: 'Grace Hopper' }, inboundCount: 2 });
    expect(await server.models.Schedule.countDocuments({ to: from })).toBe(1);
  });

  it('answers concurrent retries of one MessageSid identically and stores it once', async () => {
    const from = '+14155550138';
    const form = inboundForm({ Body: 'hours', From: from });
    const answers = await Promise.all([post(form), post(form), post(form)]);
    expect(new Set(answers.map((a) => a.status))).toEqual(new Set([200]));
    expect(new Set(answers.map((a) => a.text)).size).toBe(1);
    expect(
      await server.models.Message.countDocuments({ contact: from, direction: 'inbound' }),
    ).toBe(1);
  });

  it('answers a failing template with the fallback, not a 500', async () => {
    const res = await post(inboundForm({ Body: 'broken', From: '+14155550139' })).expect(200);
    expect(messagesIn(res.text)).toEqual(['Sorry, something went wrong.']);
  });

  it('renders reply media URLs as templates and leaves out the ones that render empty', async () => {
    const from = '+14155550143';
    await server.models.Thread.create({
      contact: from,
      number: OUR_NUMBER,
      vars: { card: 'gold' },
    });
    const res = await post(inboundForm({ Body: 'card', From: from })).expect(200);
    expect(messagesIn(res.text)).toEqual(['Your gold card']);
    expect([...res.text.matchAll(/<Media>([^<]*)<\/Media>/g)].map((m) => m[1])).toEqual([
      'https://example.com/cards/gold.png',
      'https://example.com/CARD.png',
    ]);
    const reply = await server.models.Message.findOne({
      contact: from,
      direction: 'outbound',
    }).lean();
    expect(reply!.media.map((m) => m.url)).toEqual([
      'https://example.com/cards/gold.png',
      'https://example.com/CARD.png',
    ]);
  });

  it.each([
    ['a `set` value', 'brokenset', '+14155550144'],
    ['a `schedule.text`', 'brokenschedule', '+14155550145'],
  ])(
    'answers %s that fails to render with the fallback and applies none of the rule',
    async (_what, body, from) => {
      const res = await post(inboundForm({ Body: body, From: from })).expect(200);
      expect(messagesIn(res.text)).toEqual(['Sorry, something went wrong.']);
      const t = await thread(from);
      expect(t!.inboundCount).toBe(1);
      expect([t!.state ?? null, t!.vars, t!.tags ?? []]).toEqual([null, {}, []]);
      expect(await server.models.Schedule.countDocuments({ to: from })).toBe(0);
    },
  );

  it('splits a reply over 1600 characters into several messages at word boundaries', async () => {
    const from = '+14155550140';
    await server.models.Thread.create({
      contact: from,
      number: OUR_NUMBER,
      vars: { long: Array(400).fill('word').join(' ') + ' ' + Array(100).fill('tail').join(' ') },
    });
    const res = await post(inboundForm({ Body: 'long', From: from })).expect(200);
    const parts = messagesIn(res.text);
    expect(parts.length).toBe(2);
    for (const part of parts) expect(part.length).toBeLessThanOrEqual(1600);
    expect(parts.join(' ')).toBe(
      Array(400).fill('word').join(' ') + ' ' + Array(100).fill('tail').join(' '),
    );
  });

  it('answers a rule without a reply with an empty <Response/>', async () => {
    const res = await post(inboundForm({ Body: 'quiet', From: '+14155550141' })).expect(200);
    expect(res.text).toBe('<?xml version="1.0" encoding="UTF-8"?><Response/>');
  });

  it('serves the original route name /api/receive-sms without Basic Auth', async () => {
    const res = await post(
      inboundForm({ Body: 'hours', From: '+14155550142' }),
      '/api/receive-sms',
    ).expect(200);
    expect(messagesIn(res.text)).toHaveLength(1);
  });

  it.each(['/twilio/sms', '/twilio/status'])(
    '415 for a body that is not a form on %s, with nothing stored',
    async (route) => {
      const before = await server.models.Message.countDocuments();
      const res = await request(server.url)
        .post(route)
        .set('X-Twilio-Signature', sign(fake.authToken, `${PUBLIC_URL}${route}`, {}))
        .send({ From: '+14155550152', To: OUR_NUMBER, MessageSid: 'SM' + '1'.repeat(32) })
        .expect(415);
      expect(res.body.error.code).toBe('unsupported_media_type');
      expect(await server.models.Message.countDocuments()).toBe(before);
    },
  );

  describe('POST /api/rules/test', () => {
    it('shows the decision, reply, TwiML and actions without storing anything', async () => {
      const before = await server.models.Message.countDocuments();
      const res = await request(server.url)
        .post('/api/rules/test')
        .auth(TEST_ADMIN.name, TEST_ADMIN.password)
        .send({ body: 'Ada', from: '+14155550160', state: 'awaiting_name' })
        .expect(200);
      expect(res.body).toMatchObject({
        kind: 'rule',
        rule: { id: 'got-name' },
        replies: [{ body: 'Thanks Ada, you are booked.', media: [] }],
        actions: {
          set: { name: 'Ada' },
          state: null,
          tags: { add: ['booked'], remove: [] },
          schedule: { body: 'See you soon, Ada!' },
        },
        error: null,
      });
      expect(messagesIn(res.body.twiml)).toEqual(['Thanks Ada, you are booked.']);
      expect(await server.models.Message.countDocuments()).toBe(before);
      expect(await thread('+14155550160')).toBeNull();
      // The rule has a `schedule:` action: shown above, never stored.
      expect(await server.models.Schedule.countDocuments({ to: '+14155550160' })).toBe(0);
    });

    it.each([
      [{}, 'welcome'],
      [{ messageCount: 0 }, 'welcome'],
      [{ messageCount: 2 }, null],
    ])(
      'models a new contact unless told the messages sent before (%j → %s)',
      async (extra, rule) => {
        const res = await request(server.url)
          .post('/api/rules/test')
          .auth(TEST_ADMIN.name, TEST_ADMIN.password)
          .send({ body: 'hi', ...extra })
          .expect(200);
        expect(res.body.rule?.id ?? null).toBe(rule);
      },
    );

    it('renders reply media URLs with the message and the given vars', async () => {
      const res = await request(server.url)
        .post('/api/rules/test')
        .auth(TEST_ADMIN.name, TEST_ADMIN.password)
        .send({ body: 'Card please', vars: { card: 'silver', extra: 'https://example.com/x.gif' } })
        .expect(200);
      expect(res.body.replies).toEqual([
        {
          body: 'Your silver card',
          media: [
            'https://example.com/cards/silver.png',
            'https://example.com/CARD PLEASE.png',
            'https://example.com/x.gif',
          ],
        },
      ]);
    });
  });
});

describe('POST /twilio/sms without a fallback template', () => {
  let server: TestServer;
  const authToken = 'f0e1d2c3b4a5968778695a4b3c2d1e0f';

  beforeAll(async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'replybot-nofallback-'));
    cpSync(FIXTURE_BOT, dir, { recursive: true });
    rmSync(path.join(dir, 'templates', 'fallback.hbs'));
    server = await startTestServer(
      {
        RULES_DIR: path.join(dir, 'rules'),
        TEMPLATES_DIR: path.join(dir, 'templates'),
        PUBLIC_URL,
        TWILIO_ACCOUNT_SID: 'AC0123456789abcdef0123456789abcdef',
        TWILIO_AUTH_TOKEN: authToken,
        // Nothing is sent in this test; never reach the real Twilio.
        TWILIO_API_URL: 'http://127.0.0.1:9',
      },
      { label: 'inbound-nofallback' },
    );
  });
  afterAll(() => server.stop());

  it('answers a failing template with an empty <Response/>, not a 500', async () => {
    const form = inboundForm({ Body: 'broken', From: '+14155550146' });
    const res = await postSigned(server.url, '/twilio/sms', form, authToken).expect(200);
    expect(res.text).toBe('<?xml version="1.0" encoding="UTF-8"?><Response/>');
    // Still stored, so a retry of this MessageSid gets the same answer.
    expect(await server.models.Message.countDocuments({ sid: form.MessageSid })).toBe(1);
  });
});
