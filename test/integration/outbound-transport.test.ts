// The real twilio SDK, configured as in production, talking over HTTP to the fake Twilio.
import { OptedOutError, TwilioRejectedError, UpstreamError } from '../../src/errors';
import {
  createTwilioTransport,
  type TwilioTransportOptions,
} from '../../src/outbound/twilioTransport';
import { findAtTwilio } from '../../src/outbound/reconcile';
import { startFakeTwilio, type FakeTwilio } from '../support/fakeTwilio';

const TO = '+14155550123';
const FROM = '+14155550100';
const SERVICE = 'MG' + 'ab'.repeat(16);

let fake: FakeTwilio;
let sleeps: number[];
let warnings: { msg: string; meta?: object }[];
let infos: { msg: string; meta?: object }[];

beforeAll(async () => {
  fake = await startFakeTwilio();
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.reset();
  sleeps = [];
  warnings = [];
  infos = [];
});

function transport(overrides: Partial<TwilioTransportOptions> = {}) {
  return createTwilioTransport({
    accountSid: fake.accountSid,
    authToken: fake.authToken,
    apiUrl: fake.url,
    defaultFrom: FROM,
    retry: { attempts: 3, baseDelayMs: 100, maxDelayMs: 1000 },
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0,
    logger: {
      warn: (msg, meta) => warnings.push({ msg, meta }),
      info: (msg, meta) => infos.push({ msg, meta }),
    },
    ...overrides,
  });
}

/** The rejection of `promise`, for asserting on the mapped error. */
async function failureOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the send to fail');
}

describe('Twilio transport against the fake Twilio', () => {
  it('sends through TWILIO_API_URL with the default sender and returns the message', async () => {
    const result = await transport().send({ to: TO, body: 'Hello there' });

    expect(result).toEqual({
      sid: expect.stringMatching(/^SM[0-9a-f]{32}$/),
      status: 'queued',
      from: FROM,
      errorCode: null,
      errorMessage: null,
    });
    expect(fake.requests).toEqual([
      expect.objectContaining({
        to: TO,
        from: FROM,
        messagingServiceSid: null,
        body: 'Hello there',
        mediaUrl: [],
        statusCallback: null,
        status: 201,
      }),
    ]);
  });

  it('puts an MG… sender in MessagingServiceSid and passes statusCallback and media', async () => {
    const result = await transport().send({
      to: TO,
      from: SERVICE,
      body: 'Look',
      mediaUrl: ['https://example.com/a.png', 'https://example.com/b.png'],
      statusCallback: 'https://sms.example.com/twilio/status',
    });

    expect(result).toMatchObject({ status: 'accepted', from: null });
    expect(fake.requests).toEqual([
      expect.objectContaining({
        to: TO,
        from: null,
        messagingServiceSid: SERVICE,
        body: 'Look',
        mediaUrl: ['https://example.com/a.png', 'https://example.com/b.png'],
        statusCallback: 'https://sms.example.com/twilio/status',
      }),
    ]);
  });

  it('an explicit from wins over the default sender', async () => {
    await transport().send({ to: TO, from: '+14155550199', body: 'hi' });
    expect(fake.requests[0]).toMatchObject({ from: '+14155550199', messagingServiceSid: null });
  });

  it('wrong credentials → 502 saying which settings to check, not retried', async () => {
    const error = await failureOf(transport({ authToken: 'wrong' }).send({ to: TO, body: 'hi' }));

    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({
      status: 502,
      code: 'twilio_auth_failed',
      message:
        'Twilio rejected our credentials (20003): check TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN',
    });
    expect(fake.requests).toHaveLength(1);
    expect(JSON.stringify(warnings)).not.toContain('wrong');
  });

  it('retries 503 twice and returns the one message that got through', async () => {
    fake.failNext(2, { status: 503 });

    const result = await transport().send({ to: TO, body: 'hi' });

    expect(result.sid).toMatch(/^SM/);
    expect(fake.requests.map((r) => r.status)).toEqual([503, 503, 201]);
    expect(sleeps).toEqual([50, 100]); // equal jitter with random 0: half of 100, half of 200
    expect(warnings.map((w) => w.msg)).toEqual(['twilio request retry', 'twilio request retry']);
  });

  it('honours Retry-After on 429', async () => {
    fake.failNext(1, { status: 429, code: 20429, retryAfter: 0.7 });

    await transport().send({ to: TO, body: 'hi' });

    expect(sleeps).toEqual([700]);
    expect(fake.requests).toHaveLength(2);
  });

  it('caps a long Retry-After at maxDelayMs', async () => {
    fake.failNext(1, { status: 429, code: 20429, retryAfter: 120 });
    await transport().send({ to: TO, body: 'hi' });
    expect(sleeps).toEqual([1000]);
  });

  it('does not retry a 400 (21211) and maps it to 422 invalid_recipient', async () => {
    const error = await failureOf(transport().send({ to: 'not-a-number', body: 'hi' }));

    expect(error).toBeInstanceOf(TwilioRejectedError);
    expect(error).toMatchObject({ status: 422, code: 'invalid_recipient', twilioCode: 21211 });
    expect(error.message).toBe("The 'To' number not-a-number is not a valid phone number.");
    expect(fake.requests).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('maps 21610 to 409 opted_out for that recipient', async () => {
    fake.rejectNumber(TO, 21610, 'Attempt to send to unsubscribed recipient');

    const error = await failureOf(transport().send({ to: TO, body: 'hi' }));

    expect(error).toBeInstanceOf(OptedOutError);
    expect(error).toMatchObject({
      status: 409,
      code: 'opted_out',
      message: `Recipient ${TO} has opted out`,
    });
    expect(fake.requests).toHaveLength(1);
  });

  it('gives up after `attempts` requests and throws the mapped error', async () => {
    fake.failNext(10, { status: 500, code: 20500, message: 'Internal Server Error' });

    const error = await failureOf(transport().send({ to: TO, body: 'hi' }));

    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ status: 502, code: 'twilio_unavailable', twilioCode: 20500 });
    expect(fake.requests).toHaveLength(3);
    expect(sleeps).toHaveLength(2);
  });

  it('gives up on a rate limit that never lifts with twilio_rate_limited', async () => {
    fake.failNext(10, { status: 429, code: 20429, retryAfter: 1 });
    const error = await failureOf(transport().send({ to: TO, body: 'hi' }));
    expect(error).toMatchObject({ status: 502, code: 'twilio_rate_limited' });
    expect(fake.requests).toHaveLength(3);
  });

  it('retries network errors and then reports Twilio unreachable', async () => {
    const closed = await startFakeTwilio();
    const url = closed.url;
    await closed.close();

    const error = await failureOf(transport({ apiUrl: url }).send({ to: TO, body: 'hi' }));

    expect(error).toMatchObject({
      status: 502,
      code: 'twilio_unreachable',
      message: 'Could not reach Twilio (ECONNREFUSED)',
    });
    expect(sleeps).toHaveLength(2);
  });

  it('treats a timeout as a network error: retried, then twilio_unreachable', async () => {
    // A fake of its own: its late answers must not land in the shared fake's request log.
    const slow = await startFakeTwilio();
    slow.delayMs = 200;
    try {
      const error = await failureOf(
        transport({ apiUrl: slow.url, timeoutMs: 50 }).send({ to: TO, body: 'hi' }),
      );
      expect(error).toMatchObject({ status: 502, code: 'twilio_unreachable' });
      expect(sleeps).toHaveLength(2);
    } finally {
      await slow.close();
    }
  });

  it('dry-run without credentials never calls Twilio and logs no body', async () => {
    const dryRun = transport({ accountSid: undefined, authToken: undefined });

    const result = await dryRun.send({ to: TO, body: 'secret plans' });

    expect(dryRun.mode).toBe('dry-run');
    expect(result).toEqual({
      sid: expect.stringMatching(/^DR[0-9a-f]{32}$/),
      status: 'dry-run',
      from: FROM,
      errorCode: null,
      errorMessage: null,
    });
    expect(fake.requests).toHaveLength(0);
    expect(infos).toEqual([
      { msg: 'dry-run send', meta: { sid: result.sid, to: TO, bodyLength: 12, mediaCount: 0 } },
    ]);
  });

  it('refuses half a set of credentials', () => {
    expect(() => transport({ authToken: undefined })).toThrow(/set together/);
  });
});

describe('the fake Twilio itself', () => {
  const auth = () => ({
    Authorization: `Basic ${Buffer.from(`${fake.accountSid}:${fake.authToken}`).toString('base64')}`,
  });
  const messagesUrl = () => `${fake.url}/2010-04-01/Accounts/${fake.accountSid}/Messages.json`;

  it('answers a missing To with 400 / 21604, as Twilio does', async () => {
    const res = await fetch(messagesUrl(), {
      method: 'POST',
      headers: { ...auth(), 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ From: FROM, Body: 'hi' }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: 21604, status: 400 });
  });

  it('serves a sent message back by SID with its segment count', async () => {
    const sent = await transport().send({ to: TO, body: 'x'.repeat(161) });
    const res = await fetch(messagesUrl().replace('.json', `/${sent.sid}.json`), {
      headers: auth(),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      sid: sent.sid,
      to: TO,
      num_segments: '2',
      status: 'queued',
    });
  });
});

describe("Twilio's message list, and finding a send whose attempt died in it", () => {
  const at = (body: string, from = FROM) =>
    ({
      contact: TO,
      number: from,
      body,
      attemptAt: new Date(Date.now() - 5000),
      createdAt: new Date(),
    }) as const;

  it('lists the newest messages to a number first, from one sender, through the SDK', async () => {
    const t = transport();
    for (const body of ['one', 'two', 'three']) await t.send({ to: TO, body });
    await t.send({ to: '+14155550199', body: 'elsewhere' });
    await t.send({ to: TO, from: SERVICE, body: 'via the service' });

    expect((await t.recentMessages({ to: TO, limit: 2 })).map((m) => m.body)).toEqual([
      'three',
      'two',
    ]);
    const all = await t.recentMessages({ to: TO, from: FROM, limit: 50 });
    expect(all.map((m) => m.body)).toEqual(['three', 'two', 'one']);
    expect(all[0]).toMatchObject({
      sid: expect.stringMatching(/^SM/),
      from: FROM,
      status: 'queued',
    });
    expect(all[0]!.dateCreated).toBeInstanceOf(Date);
    // A Messaging Service picks the number: the list is by recipient, matched by the service.
    const viaService = await t.recentMessages({ to: TO, from: SERVICE, limit: 50 });
    expect(viaService.map((m) => m.body)).toContain('via the service');
  });

  it('finds the same body to the same number from the same sender, and only one that is not ours yet', async () => {
    const t = transport();
    const first = await t.send({ to: TO, body: 'your table is ready' });
    const second = await t.send({ to: TO, body: 'your table is ready' });
    await t.send({ to: TO, body: 'something else' });
    const ours = new Set<string>();
    const deps = { transport: t, knowsSid: async (sid: string) => ours.has(sid) };

    expect((await findAtTwilio(deps, at('your table is ready')))?.sid).toBe(second.sid);
    ours.add(second.sid);
    expect((await findAtTwilio(deps, at('your table is ready')))?.sid).toBe(first.sid);
    ours.add(first.sid);
    expect(await findAtTwilio(deps, at('your table is ready'))).toBeNull();
    expect(await findAtTwilio(deps, at('never sent'))).toBeNull();
    expect(await findAtTwilio(deps, at('something else', '+14155550111'))).toBeNull();
  });

  it('ignores messages created well before the attempt began', async () => {
    const t = transport();
    await t.send({ to: TO, body: 'old news' });
    const deps = { transport: t, knowsSid: async () => false };
    const later = { ...at('old news'), attemptAt: new Date(Date.now() + 5 * 60_000) };
    expect(await findAtTwilio(deps, later)).toBeNull();
  });

  it('rejects when Twilio cannot be asked, so the send stays unresolved', async () => {
    fake.failNext(3, { status: 503 });
    const deps = { transport: transport(), knowsSid: async () => false };
    expect(await failureOf(findAtTwilio(deps, at('anything')))).toBeInstanceOf(UpstreamError);
  });
});
