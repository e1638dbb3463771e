// Hostile and random input: never a 500, never an operator in a query, bodies and clients bounded.
import fc from 'fast-check';
import mongoose from 'mongoose';
import request from 'supertest';
import { TEST_ADMIN } from '../support/config';
import { startTestServer, type TestServer } from '../support/server';
import { PUBLIC_URL, inboundForm, postSigned } from '../support/twilioRequests';

const TOKEN = 'hostile-test-token-0123456789abcd';
const RUNS = 60;

/** Every filter the server sends to the database, captured from mongoose's debug hook. */
const queries: { collection: string; method: string; args: unknown[] }[] = [];

function operatorsIn(value: unknown, path: string[] = []): string[] {
  if (value === null || typeof value !== 'object') return [];
  const found: string[] = [];
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    if (key.startsWith('$')) found.push([...path, key].join('.'));
    found.push(...operatorsIn(v, [...path, key]));
  }
  return found;
}

describe('hostile input', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(
      {
        PUBLIC_URL,
        TWILIO_ACCOUNT_SID: 'AC' + 'd'.repeat(32),
        TWILIO_AUTH_TOKEN: TOKEN,
        BODY_LIMIT: '16kb',
      },
      { label: 'hostile' },
    );
    mongoose.set('debug', (collection: string, method: string, ...args: unknown[]) => {
      queries.push({ collection, method, args });
    });
  });
  afterAll(async () => {
    mongoose.set('debug', false);
    await server.stop();
  });

  it('answers random signed webhook forms with 200 or 400, never 500', async () => {
    const field = fc.string({ maxLength: 40, unit: 'binary' });
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(
          fc.constantFrom(
            'From',
            'To',
            'MessageSid',
            'Body',
            'NumMedia',
            'MediaUrl0',
            'MediaContentType0',
            'Other',
          ),
          field,
        ),
        async (form) => {
          const res = await postSigned(server.url, '/twilio/sms', form, TOKEN);
          expect([200, 400]).toContain(res.status);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('answers random unsigned forms with 403 and stores nothing', async () => {
    const before = await server.models.Message.countDocuments();
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(fc.string({ maxLength: 10 }), fc.string({ maxLength: 40 })),
        async (form) => {
          const res = await request(server.url)
            .post('/twilio/sms')
            .type('form')
            .send(new URLSearchParams(form).toString());
          expect(res.status).toBe(403);
        },
      ),
      { numRuns: RUNS },
    );
    expect(await server.models.Message.countDocuments()).toBe(before);
  });

  const adminRoutes: [string, string][] = [
    ['post', '/api/messages'],
    ['post', '/api/send-sms'],
    ['post', '/api/rules/test'],
    ['post', '/api/rules/reload'],
    ['get', '/api/threads'],
    ['get', '/api/messages/0123456789abcdef01234567'],
  ];

  it.each(adminRoutes)(
    'answers random JSON to %s %s with 2xx or 4xx, never 5xx',
    async (method, path) => {
      await fc.assert(
        fc.asyncProperty(fc.jsonValue({ maxDepth: 3 }), async (body) => {
          const r =
            method === 'get' ? request(server.url).get(path) : request(server.url).post(path);
          const res = await r
            .auth(TEST_ADMIN.name, TEST_ADMIN.password)
            .set('Content-Type', 'application/json')
            .send(JSON.stringify(body));
          expect(res.status).toBeLessThan(500);
          if (res.status >= 400) expect(res.body.error.code).toMatch(/^[a-z_]+$/);
        }),
        { numRuns: RUNS },
      );
    },
  );

  it('never lets MongoDB operators or dotted keys from requests reach a query', async () => {
    queries.length = 0;
    const evil = [
      { to: { $ne: null }, body: 'x' },
      { to: '+14155550101', body: { $gt: '' } },
      { to: '+14155550101', template: 'hours', vars: { $where: 'sleep(1000)', 'a.b': 1 } },
      { recipient_number: { $regex: '.*' }, message_content: 'x' },
      { body: 'hi', from: { $ne: 1 }, state: { $exists: true } },
    ];
    for (const body of evil) {
      for (const path of ['/api/messages', '/api/send-sms', '/api/rules/test']) {
        const res = await request(server.url)
          .post(path)
          .auth(TEST_ADMIN.name, TEST_ADMIN.password)
          .send(body);
        expect(res.status).toBe(400);
      }
    }
    await request(server.url)
      .get('/api/threads?tag[$ne]=x&optedOut[$exists]=true')
      .auth(TEST_ADMIN.name, TEST_ADMIN.password)
      .expect(400);
    await request(server.url)
      .get('/api/threads/%7B%22%24ne%22%3Anull%7D')
      .auth(TEST_ADMIN.name, TEST_ADMIN.password)
      .expect(400);
    await postSigned(
      server.url,
      '/twilio/sms',
      inboundForm({ Body: '{"$ne": null}', From: '+14155550191', 'From[$ne]': 'x' }),
      TOKEN,
    ).expect(200);

    // The only operators in queries are the server's own ($setOnInsert, $set, $inc, $in …), never
    // one that came from a request: no filter holds a request-supplied operator. The server's own
    // uses of those operators are listed here, by path, so each new one is a decision.
    const requestOperators = ['$ne', '$gt', '$where', '$regex', '$exists'];
    const serversOwn = new Set(['0.lastInbound.$ne']); // a thread takes a message in once
    const leaked = queries.flatMap((q) =>
      operatorsIn(q.args).filter(
        (p) => requestOperators.some((op) => p.endsWith(op)) && !serversOwn.has(p),
      ),
    );
    expect(leaked).toEqual([]);
    expect(queries.length).toBeGreaterThan(0);
  });

  it('answers an oversized JSON body with 413 and an oversized form with 413', async () => {
    const big = 'x'.repeat(20_000);
    const json = await request(server.url)
      .post('/api/messages')
      .auth(TEST_ADMIN.name, TEST_ADMIN.password)
      .send({ to: '+14155550101', body: big });
    expect(json.status).toBe(413);
    const form = await postSigned(server.url, '/twilio/sms', inboundForm({ Body: big }), TOKEN);
    expect(form.status).toBe(413);
  });
});
