// The admin send API end to end: Basic Auth, validation, the real twilio SDK against the fake Twilio,
// and what is stored.
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import request from 'supertest';
import twilio from 'twilio';
import { ManualClock } from '../../src/clock';
import { createLogger } from '../../src/logger';
import { startFakeTwilio, type FakeTwilio } from '../support/fakeTwilio';
import { TEST_ADMIN } from '../support/config';
import { startTestServer, type TestServer } from '../support/server';
import {
  OUR_NUMBER,
  PUBLIC_URL,
  fixtureForm,
  inboundForm,
  postSigned,
} from '../support/twilioRequests';

async function twilioServer(
  fake: FakeTwilio,
  env: Record<string, string> = {},
  options: Parameters<typeof startTestServer>[1] = {},
) {
  return startTestServer(
    {
      PUBLIC_URL,
      TWILIO_ACCOUNT_SID: fake.accountSid,
      TWILIO_AUTH_TOKEN: fake.authToken,
      TWILIO_API_URL: fake.url,
      TWILIO_FROM: OUR_NUMBER,
      ...env,
    },
    { label: 'outbound', ...options },
  );
}

/** A JSON logger at warn level whose lines the test reads back. */
function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      done();
    },
  });
  return { lines, logger: createLogger({ level: 'warn', format: 'json', stream }) };
}

describe('admin API authentication', () => {
  let fake: FakeTwilio;
  let server: TestServer;
  const clock = new ManualClock(new Date('2025-03-01T12:00:00Z'));
  const right: [string, string] = [TEST_ADMIN.name, TEST_ADMIN.password];
  const wrong: [string, string] = [TEST_ADMIN.name, 'wrong'];
  const threads = (credentials?: [string, string]) => {
    const r = request(server.url).get('/api/threads');
    return credentials ? r.auth(...credentials) : r;
  };
  beforeAll(async () => {
    fake = await startFakeTwilio();
    server = await twilioServer(fake, { AUTH_MAX_FAILURES: '3' }, { clock });
  });
  // A new failure window for every test (the window is 15 minutes).
  beforeEach(() => clock.advance(60 * 60_000));
  afterAll(async () => {
    await server.stop();
    await fake.close();
  });

  it('401 without credentials, with a Basic challenge, and nothing sent', async () => {
    const res = await request(server.url)
      .post('/api/messages')
      .send({ to: '+14155550101', body: 'hi' })
      .expect(401);
    expect(res.headers['www-authenticate']).toMatch(/^Basic/);
    expect(res.body.error.code).toBe('unauthorized');
    expect(fake.requests).toHaveLength(0);
  });

  it('401 with a wrong password', async () => {
    const res = await threads(wrong).expect(401);
    expect(res.body.error.code).toBe('invalid_credentials');
  });

  it('200 with the right credentials', async () => {
    await threads(right).expect(200);
  });

  it('429 after AUTH_MAX_FAILURES wrong passwords, even with the right one, until the window ends', async () => {
    for (let i = 0; i < 3; i++) await threads(wrong).expect(401);
    const blocked = await threads(right).expect(429);
    expect(blocked.body.error.code).toBe('too_many_failed_logins');
    expect(blocked.headers['retry-after']).toBe('900');
    clock.advance(15 * 60_000);
    await threads(right).expect(200);
  });

  it('requests without credentials are not failed attempts (a browser asks first without)', async () => {
    for (let i = 0; i < 5; i++) await threads().expect(401);
    await threads(right).expect(200);
  });

  it('a successful login clears the count of failures', async () => {
    await threads(wrong).expect(401);
    await threads(wrong).expect(401);
    await threads(right).expect(200);
    await threads(wrong).expect(401);
    await threads(wrong).expect(401);
    await threads(right).expect(200);
  });
});

describe('admin API over HTTPS only in production', () => {
  let fake: FakeTwilio;
  let direct: TestServer;
  let proxied: TestServer;
  beforeAll(async () => {
    fake = await startFakeTwilio();
    direct = await twilioServer(fake, { NODE_ENV: 'production' });
    proxied = await twilioServer(fake, { NODE_ENV: 'production', TRUST_PROXY: 'loopback' });
  });
  afterAll(async () => {
    await direct.stop();
    await proxied.stop();
    await fake.close();
  });

  it('403 https_required over plain HTTP, before the credentials are looked at', async () => {
    const res = await request(direct.url)
      .get('/api/threads')
      .auth(TEST_ADMIN.name, TEST_ADMIN.password)
      .expect(403);
    expect(res.body.error.code).toBe('https_required');
    expect(res.headers['www-authenticate']).toBeUndefined();
  });

  it('ignores X-Forwarded-Proto when TRUST_PROXY is not set', async () => {
    const res = await request(direct.url)
      .get('/api/threads')
      .set('X-Forwarded-Proto', 'https')
      .auth(TEST_ADMIN.name, TEST_ADMIN.password)
      .expect(403);
    expect(res.body.error.code).toBe('https_required');
  });

  it('behind a trusted proxy: X-Forwarded-Proto https lets the request through to Basic Auth', async () => {
    await request(proxied.url)
      .get('/api/threads')
      .set('X-Forwarded-Proto', 'https')
      .auth(TEST_ADMIN.name, TEST_ADMIN.password)
      .expect(200);
    const noCredentials = await request(proxied.url)
      .get('/api/threads')
      .set('X-Forwarded-Proto', 'https')
      .expect(401);
    expect(noCredentials.body.error.code).toBe('unauthorized');
    const plain = await request(proxied.url)
      .get('/api/threads')
      .set('X-Forwarded-Proto', 'http')
      .auth(TEST_ADMIN.name, TEST_ADMIN.password)
      .expect(403);
    expect(plain.body.error.code).toBe('https_required');
  });

  it('the webhook alias under /api is not affected (Twilio signs it instead)', async () => {
    await postSigned(
      direct.url,
      '/api/receive-sms',
      inboundForm({ Body: 'hours', From: '+14155550140' }),
      fake.authToken,
    ).expect(200);
  });
});

describe('POST /api/messages', () => {
  let fake: FakeTwilio;
  let server: TestServer;
  const send = (body: object, key?: string) => {
    const r = request(server.url).post('/api/messages').auth(TEST_ADMIN.name, TEST_ADMIN.password);
    if (key) r.set('Idempotency-Key', key);
    return r.send(body);
  };

  const thread = (phone: string) =>
    request(server.url)
      .get(`/api/threads/${encodeURIComponent(phone)}`)
      .auth(TEST_ADMIN.name, TEST_ADMIN.password);
  const log = capturingLogger();
  let templatesDir: string;

  beforeAll(async () => {
    // The shipped templates plus one whose helper fails on a bad variable.
    templatesDir = mkdtempSync(path.join(os.tmpdir(), 'replybot-outbound-templates-'));
    cpSync(path.resolve(__dirname, '../../templates'), templatesDir, { recursive: true });
    writeFileSync(
      path.join(templatesDir, 'appointment.hbs'),
      'See you on {{date vars.when "YYYY-MM-DD"}}.\n',
    );
    fake = await startFakeTwilio();
    server = await twilioServer(fake, { TEMPLATES_DIR: templatesDir }, { logger: log.logger });
  });
  beforeEach(() => fake.reset());
  afterAll(async () => {
    await server.stop();
    await fake.close();
    rmSync(templatesDir, { recursive: true, force: true });
  });

  it('sends through Twilio and answers 202 with the stored message, segments and encoding', async () => {
    const res = await send({ to: '+14155550101', body: 'Your latte is ready ☕' }).expect(202);
    expect(res.body).toMatchObject({
      status: 'queued',
      to: '+14155550101',
      from: OUR_NUMBER,
      segments: 1,
      encoding: 'UCS-2',
    });
    expect(res.body.sid).toMatch(/^SM[0-9a-f]{32}$/);
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]).toMatchObject({
      to: '+14155550101',
      from: OUR_NUMBER,
      body: 'Your latte is ready ☕',
      statusCallback: `${PUBLIC_URL}/twilio/status`,
    });

    const stored = await request(server.url)
      .get(`/api/messages/${res.body.id}`)
      .auth(TEST_ADMIN.name, TEST_ADMIN.password)
      .expect(200);
    expect(stored.body).toMatchObject({
      direction: 'outbound',
      contact: '+14155550101',
      status: 'queued',
      sid: res.body.sid,
      segments: 1,
      encoding: 'UCS-2',
    });
  });

  it('renders a template with vars', async () => {
    const res = await send({
      to: '+14155550102',
      template: 'confirm-booking',
      vars: { name: 'Grace', party: 4, time: '7pm' },
    }).expect(202);
    const rendered =
      'Thanks, Grace! A table for 4 at 7pm. Reply OK to confirm, or tell me what to change (e.g. "make it 3 people" or "at 8pm").';
    expect(fake.requests.map((r) => r.body)).toEqual([rendered]);
    // 122 GSM-7 characters: one segment (up to 160).
    expect(res.body).toMatchObject({ segments: 1, encoding: 'GSM-7' });
  });

  it('sends media and a Messaging Service sender', async () => {
    const mg = 'MG' + '0123456789abcdef'.repeat(2);
    await send({
      to: '+14155550103',
      body: 'Menu attached',
      media: ['https://example.com/menu.png'],
      from: mg,
    }).expect(202);
    expect(fake.requests[0]).toMatchObject({
      messagingServiceSid: mg,
      mediaUrl: ['https://example.com/menu.png'],
    });
  });

  it.each([
    ['a number that is not E.164', { to: '4155550101', body: 'x' }, 'to'],
    ['an impossible number', { to: '+1000', body: 'x' }, 'to'],
    // E.164-shaped, but no such numbers exist (libphonenumber-js): one code for every bad `to`.
    ['a 555 number outside the fictional range', { to: '+15555550100', body: 'x' }, 'to'],
    ['a US area code starting with 0', { to: '+10005550123', body: 'x' }, 'to'],
    ['both body and template', { to: '+14155550101', body: 'x', template: 'hours' }, 'body'],
    ['neither body nor template', { to: '+14155550101' }, 'body'],
    ['a body over 1600 characters', { to: '+14155550101', body: 'x'.repeat(1601) }, 'body'],
    [
      '11 media URLs',
      { to: '+14155550101', body: 'x', media: Array(11).fill('https://example.com/a.png') },
      'media',
    ],
    [
      'a non-http media URL',
      { to: '+14155550101', body: 'x', media: ['ftp://example.com/a.png'] },
      'media.0',
    ],
    ['an unknown field', { to: '+14155550101', body: 'x', priority: 'high' }, '(root)'],
    ['an operator object as the number', { to: { $ne: null }, body: 'x' }, 'to'],
  ])('400 for %s, naming the field, nothing sent', async (_what, body, field) => {
    const res = await send(body).expect(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.details.map((d: { field: string }) => d.field)).toContain(field);
    expect(fake.requests).toHaveLength(0);
  });

  it('400 for an E.164-shaped but invalid number in the original API too', async () => {
    const res = await request(server.url)
      .post('/api/send-sms')
      .auth(TEST_ADMIN.name, TEST_ADMIN.password)
      .send({ recipient_number: '+15555550100', message_content: 'x' })
      .expect(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.details[0].field).toBe('recipient_number');
    expect(fake.requests).toHaveLength(0);
  });

  it('400 unknown_template for a template that does not exist', async () => {
    const res = await send({ to: '+14155550101', template: 'nope' }).expect(400);
    expect(res.body.error.code).toBe('unknown_template');
  });

  it('a refused send leaves no thread behind', async () => {
    await send({ to: '+14155550131', template: 'nope' }).expect(400);
    await send({
      to: '+14155550131',
      template: 'confirm-booking',
      vars: { name: 'n'.repeat(1700) },
    }).expect(400);
    await thread('+14155550131').expect(404);
    await send({ to: '+14155550131', body: 'now it exists' }).expect(202);
    await thread('+14155550131').expect(200);
  });

  it('422 template_render_failed when a template helper fails, nothing stored or sent', async () => {
    const res = await send({
      to: '+14155550132',
      template: 'appointment',
      vars: { when: 'someday' },
    }).expect(422);
    expect(res.body.error.code).toBe('template_render_failed');
    expect(res.body.error.message).toMatch(/appointment.*someday.*not a date/);
    expect(fake.requests).toHaveLength(0);
    expect(await server.models.Message.countDocuments({ contact: '+14155550132' })).toBe(0);

    await send({
      to: '+14155550132',
      template: 'appointment',
      vars: { when: '2025-03-01T12:00:00Z' },
    }).expect(202);
    expect(fake.requests[0].body).toBe('See you on 2025-03-01.');
  });

  it('stores the message as sending, without a SID, before Twilio answers', async () => {
    fake.hold(); // Twilio takes the call but answers only at release()
    const sending = send({ to: '+14155550133', body: 'in flight' }).then((r) => r);
    await fake.untilHeld(1);
    expect(fake.held).toMatchObject([{ to: '+14155550133', body: 'in flight' }]);
    const stored = await server.models.Message.findOne({ contact: '+14155550133' }).lean();
    expect(stored).toMatchObject({ status: 'sending', sid: null, body: 'in flight' });
    expect(fake.requests).toHaveLength(0); // Twilio has not answered yet
    fake.release();
    const res = await sending;
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ id: stored!._id, status: 'queued' });
  });

  it('400 for a template that renders longer than 1600 characters', async () => {
    const res = await send({
      to: '+14155550101',
      template: 'confirm-booking',
      vars: { name: 'n'.repeat(1700) },
    }).expect(400);
    expect(res.body.error.code).toBe('body_too_long');
    expect(fake.requests).toHaveLength(0);
  });

  it('415 for a body that is not JSON', async () => {
    const res = await request(server.url)
      .post('/api/messages')
      .auth(TEST_ADMIN.name, TEST_ADMIN.password)
      .type('form')
      .send('to=%2B14155550101&body=x')
      .expect(415);
    expect(res.body.error.code).toBe('unsupported_media_type');
  });

  it('returns the first result for a repeated Idempotency-Key without sending again', async () => {
    const first = await send({ to: '+14155550104', body: 'once' }, 'order-77').expect(202);
    const again = await send({ to: '+14155550104', body: 'once' }, 'order-77').expect(202);
    expect(again.body).toEqual(first.body);
    expect(fake.requests).toHaveLength(1);
  });

  it('the same vars in another order are the same request for an Idempotency-Key', async () => {
    const first = await send(
      { to: '+14155550134', template: 'appointment', vars: { when: '2025-03-01', name: 'Ada' } },
      'appt-1',
    ).expect(202);
    const again = await send(
      { to: '+14155550134', template: 'appointment', vars: { name: 'Ada', when: '2025-03-01' } },
      'appt-1',
    ).expect(202);
    expect(again.body).toEqual(first.body);
    expect(fake.requests).toHaveLength(1);
  });

  it('a repeated Idempotency-Key after Twilio could not be reached tries again, on the same message', async () => {
    fake.failNext(3, { status: 503, code: 20500, message: 'Service unavailable' });
    await send({ to: '+14155550135', body: 'after the outage' }, 'retry-me').expect(502);
    const again = await send({ to: '+14155550135', body: 'after the outage' }, 'retry-me').expect(
      202,
    );
    expect(again.body).toMatchObject({ status: 'queued', sid: expect.stringMatching(/^SM/) });
    expect(fake.requests.map((r) => r.status)).toEqual([503, 503, 503, 201]);
    const stored = await server.models.Message.find({ contact: '+14155550135' }).lean();
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ _id: again.body.id, status: 'queued', errorCode: null });

    // Once it went through, a third repeat is the usual replay.
    const third = await send({ to: '+14155550135', body: 'after the outage' }, 'retry-me').expect(
      202,
    );
    expect(third.body).toEqual(again.body);
    expect(fake.requests).toHaveLength(4);
  });

  it('repeats of a failed Idempotency-Key arriving together try Twilio again once', async () => {
    fake.failNext(3, { status: 503, code: 20500, message: 'Service unavailable' });
    const request = { to: '+14155550136', body: 'once, please' };
    await send(request, 'together').expect(502);
    const before = fake.requests.length;
    const repeats = await Promise.all(Array.from({ length: 10 }, () => send(request, 'together')));
    // One repeat claims the retry and gets 202; a repeat that finds it still under way gets 409
    // send_in_progress with Retry-After, or 202 once it has been sent.
    const accepted = repeats.filter((r) => r.status === 202);
    const inProgress = repeats.filter((r) => r.status === 409);
    expect(accepted.length + inProgress.length).toBe(10);
    expect(accepted.length).toBeGreaterThanOrEqual(1);
    for (const r of inProgress) {
      expect(r.body.error.code).toBe('send_in_progress');
      expect(Number(r.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    }
    expect(fake.requests.slice(before).map((r) => r.status)).toEqual([201]);
    expect(new Set(accepted.map((r) => r.body.id)).size).toBe(1);
    expect((await send(request, 'together').expect(202)).body.id).toBe(accepted[0]!.body.id);
    expect(await server.models.Message.countDocuments({ contact: '+14155550136' })).toBe(1);
  });

  it.each([
    [21211, 422, 'invalid_recipient'],
    [21610, 409, 'opted_out'],
  ])(
    'a repeated Idempotency-Key after Twilio rejected the message (%d) answers %d again without sending',
    async (code, status) => {
      const to = `+141555502${String(code).slice(-2)}`;
      fake.rejectNumber(to, code);
      const first = await send({ to, body: 'no' }, `rejected-${code}`).expect(status);
      const again = await send({ to, body: 'no' }, `rejected-${code}`).expect(status);
      expect(again.body).toEqual(first.body);
      expect(fake.requests).toHaveLength(1);
    },
  );

  it('409 when an Idempotency-Key is reused for a different message', async () => {
    await send({ to: '+14155550105', body: 'one' }, 'k-1').expect(202);
    const res = await send({ to: '+14155550105', body: 'two' }, 'k-1').expect(409);
    expect(res.body.error.code).toBe('idempotency_key_reused');
    expect(fake.requests).toHaveLength(1);
  });

  it('409 opted_out for a contact who texted STOP, without calling Twilio', async () => {
    await postSigned(
      server.url,
      '/twilio/sms',
      {
        ...fixtureForm('inbound-sms.form'),
        From: '+14155550106',
        Body: 'STOP',
        MessageSid: 'SM' + '6'.repeat(32),
      },
      fake.authToken,
    ).expect(200);
    const res = await send({ to: '+14155550106', body: 'promo' }).expect(409);
    expect(res.body.error.code).toBe('opted_out');
    expect(fake.requests).toHaveLength(0);
  });

  it.each([
    [21211, 422, 'invalid_recipient'],
    [21614, 422, 'invalid_recipient'],
    [21610, 409, 'opted_out'],
  ])(
    'maps Twilio error %d to %d %s and stores the message as failed',
    async (code, status, errorCode) => {
      const to = `+141555501${String(code).slice(-2)}`;
      fake.rejectNumber(to, code);
      const res = await send({ to, body: 'hello' }).expect(status);
      expect(res.body.error.code).toBe(errorCode);
      const failed = await server.models.Message.findOne({ contact: to }).lean();
      expect(failed).toMatchObject({ status: 'failed', errorCode: code });
      expect(fake.requests).toHaveLength(1); // a 4xx is never retried
    },
  );

  it('marks the contact opted out after Twilio answers 21610', async () => {
    const to = '+14155550177';
    fake.rejectNumber(to, 21610);
    await send({ to, body: 'hello' }).expect(409);
    fake.reset();
    await send({ to, body: 'again' }).expect(409);
    expect(fake.requests).toHaveLength(0);
  });

  it('502 with a clear message when Twilio rejects our credentials (20003)', async () => {
    fake.failNext(1, { status: 401, code: 20003, message: 'Authenticate' });
    const res = await send({ to: '+14155550108', body: 'x' }).expect(502);
    expect(res.body.error.message).toMatch(/TWILIO_ACCOUNT_SID/);
  });

  it('retries a 503 twice and succeeds on the third call', async () => {
    fake.failNext(2, { status: 503, code: 20500, message: 'Service unavailable' });
    const res = await send({ to: '+14155550109', body: 'persistent' }).expect(202);
    expect(res.body.status).toBe('queued');
    expect(fake.requests.map((r) => r.status)).toEqual([503, 503, 201]);
  });

  it('gives up after a bounded number of tries in a Twilio outage, answering 502 and storing failed', async () => {
    fake.failNext(10, { status: 503, code: 20500, message: 'Service unavailable' });
    const res = await send({ to: '+14155550122', body: 'during the outage' }).expect(502);
    expect(res.body.error.code).toBe('twilio_unavailable');
    expect(fake.requests.map((r) => r.status)).toEqual([503, 503, 503]);
    const stored = await server.models.Message.findOne({ contact: '+14155550122' }).lean();
    expect(stored).toMatchObject({ status: 'failed', body: 'during the outage' });
    expect(stored!.errorMessage).toMatch(/503|unavailable/i);
  });

  it('POST /api/send-sms keeps the original contract', async () => {
    const res = await request(server.url)
      .post('/api/send-sms')
      .auth(TEST_ADMIN.name, TEST_ADMIN.password)
      .send({ recipient_number: '+14155550121', message_content: 'legacy hello' })
      .expect(200);
    expect(res.body).toEqual({ message_sid: expect.stringMatching(/^SM[0-9a-f]{32}$/) });
    expect(fake.requests[0].body).toBe('legacy hello');
  });

  it('GET /api/messages/:id answers 404 for an unknown id and 400 for a malformed one', async () => {
    await request(server.url)
      .get('/api/messages/0123456789abcdef01234567')
      .auth(TEST_ADMIN.name, TEST_ADMIN.password)
      .expect(404);
    const bad = await request(server.url)
      .get('/api/messages/not-an-id')
      .auth(TEST_ADMIN.name, TEST_ADMIN.password)
      .expect(400);
    expect(bad.body.error.code).toBe('validation_failed');
  });

  describe('POST /twilio/status', () => {
    const statusForm = (sid: string, status: string, extra: Record<string, string> = {}) => ({
      ...fixtureForm('status-delivered.form'),
      MessageSid: sid,
      SmsSid: sid,
      MessageStatus: status,
      SmsStatus: status,
      ...extra,
    });
    const callback = (form: Record<string, string>) =>
      postSigned(server.url, '/twilio/status', form, fake.authToken);

    it('moves status forward only: a late "sent" never overwrites "delivered"', async () => {
      const sent = await send({ to: '+14155550111', body: 'track me' }).expect(202);
      await callback(statusForm(sent.body.sid, 'sent')).expect(204);
      await callback(statusForm(sent.body.sid, 'delivered')).expect(204);
      await callback(statusForm(sent.body.sid, 'sent')).expect(204);
      const m = await server.models.Message.findById(sent.body.id).lean();
      expect(m!.status).toBe('delivered');
    });

    it('ends "delivered" when "sent" and "delivered" arrive at the same moment', async () => {
      // Twilio sends them moments apart, and they may overtake each other on the way.
      const sends = [];
      for (let i = 0; i < 20; i++)
        sends.push(await send({ to: '+14155550116', body: `race ${i}` }).expect(202));
      await Promise.all(
        sends.flatMap((s) => [
          callback(statusForm(s.body.sid, 'sent')).expect(204),
          callback(statusForm(s.body.sid, 'delivered')).expect(204),
        ]),
      );
      const stored = await server.models.Message.find({
        _id: { $in: sends.map((s) => s.body.id) },
      }).lean();
      expect(stored.map((m) => m.status)).toEqual(sends.map(() => 'delivered'));
    });

    it('stores the ErrorCode of an undelivered message', async () => {
      const sent = await send({ to: '+14155550112', body: 'x' }).expect(202);
      const form = {
        ...fixtureForm('status-undelivered.form'),
        MessageSid: sent.body.sid,
        SmsSid: sent.body.sid,
      };
      await callback(form).expect(204);
      expect(await server.models.Message.findById(sent.body.id).lean()).toMatchObject({
        status: 'undelivered',
        errorCode: 30003,
      });
    });

    it('marks the contact opted out for a callback with error 21610', async () => {
      const sent = await send({ to: '+14155550113', body: 'x' }).expect(202);
      await callback(
        statusForm(sent.body.sid, 'failed', { ErrorCode: '21610', To: '+14155550113' }),
      ).expect(204);
      await send({ to: '+14155550113', body: 'again' }).expect(409);
    });

    it("follows Twilio's order queued → sending → sent; a late sending is ignored", async () => {
      const sent = await send({ to: '+14155550115', body: 'step by step' }).expect(202);
      const statusNow = async () =>
        (await server.models.Message.findById(sent.body.id).lean())!.status;
      expect(await statusNow()).toBe('queued');
      await callback(statusForm(sent.body.sid, 'sending')).expect(204);
      expect(await statusNow()).toBe('sending');
      await callback(statusForm(sent.body.sid, 'sent')).expect(204);
      expect(await statusNow()).toBe('sent');
      await callback(statusForm(sent.body.sid, 'sending')).expect(204);
      expect(await statusNow()).toBe('sent');
      await callback(statusForm(sent.body.sid, 'delivered')).expect(204);
      await callback(statusForm(sent.body.sid, 'sent')).expect(204);
      expect(await statusNow()).toBe('delivered');
    });

    it.each(['delivered', 'partially_delivered'])(
      'answers 204 for an unknown SID (status %s) and logs it as unknown',
      async (status) => {
        const sid = 'SM' + 'f'.repeat(30) + status.length.toString(16).padStart(2, '0');
        await callback(statusForm(sid, status)).expect(204);
        expect(log.lines).toContainEqual(
          expect.objectContaining({
            message: 'status callback for an unknown message',
            sid,
            status,
          }),
        );
      },
    );

    it('ignores a status it does not know for a known message', async () => {
      const sent = await send({ to: '+14155550116', body: 'x' }).expect(202);
      await callback(statusForm(sent.body.sid, 'partially_delivered')).expect(204);
      expect((await server.models.Message.findById(sent.body.id).lean())!.status).toBe('queued');
      expect(log.lines).not.toContainEqual(expect.objectContaining({ sid: sent.body.sid }));
    });

    it('403 for a forged callback, nothing changed', async () => {
      const sent = await send({ to: '+14155550114', body: 'x' }).expect(202);
      const form = statusForm(sent.body.sid, 'delivered');
      await request(server.url)
        .post('/twilio/status')
        .type('form')
        .set(
          'X-Twilio-Signature',
          twilio.getExpectedTwilioSignature('forged-token', `${PUBLIC_URL}/twilio/status`, form),
        )
        .send(new URLSearchParams(form).toString())
        .expect(403);
      expect((await server.models.Message.findById(sent.body.id).lean())!.status).toBe('queued');
    });
  });
});

describe('POST /api/messages without Twilio credentials', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({}, { label: 'dryrun' });
  });
  afterAll(() => server.stop());

  it('records the message as dry-run and says so on /health', async () => {
    const res = await request(server.url)
      .post('/api/messages')
      .auth(TEST_ADMIN.name, TEST_ADMIN.password)
      .send({ to: '+14155550120', body: 'test' })
      .expect(202);
    expect(res.body.status).toBe('dry-run');
    expect((await request(server.url).get('/health')).body.twilio).toBe('dry-run');
  });

  it('a refused send creates no thread (not even one on the "default" number)', async () => {
    await request(server.url)
      .post('/api/messages')
      .auth(TEST_ADMIN.name, TEST_ADMIN.password)
      .send({ to: '+14155550136', template: 'nope' })
      .expect(400);
    await request(server.url)
      .get('/api/threads/%2B14155550136')
      .auth(TEST_ADMIN.name, TEST_ADMIN.password)
      .expect(404);
    expect(await server.models.Thread.countDocuments({ contact: '+14155550136' })).toBe(0);
  });
});
