// Which rules answer and what nobody answers, from the stored messages: /api/rules/stats,
// /api/rules/unmatched and the hit counters in /metrics, against the example bot.
import request from 'supertest';
import { ManualClock } from '../../src/clock';
import { TEST_ADMIN } from '../support/config';
import { startTestServer, type TestServer } from '../support/server';
import { inboundForm, messagesIn, postSigned, PUBLIC_URL } from '../support/twilioRequests';

const TOKEN = 'analytics-test-token-0123456789ab';

describe('rule analytics', () => {
  let server: TestServer;
  // A Wednesday, 10:00 at the shop in San Francisco.
  const clock = new ManualClock(new Date('2026-03-04T18:00:00Z'));
  const send = async (body: string, from: string) =>
    messagesIn(
      (
        await postSigned(
          server.url,
          '/twilio/sms',
          inboundForm({ Body: body, From: from }),
          TOKEN,
        ).expect(200)
      ).text,
    );
  const admin = (path: string) =>
    request(server.url).get(path).auth(TEST_ADMIN.name, TEST_ADMIN.password);

  beforeAll(async () => {
    server = await startTestServer(
      {
        PUBLIC_URL,
        TWILIO_ACCOUNT_SID: 'AC' + 'a'.repeat(32),
        TWILIO_AUTH_TOKEN: TOKEN,
      },
      { clock, label: 'analytics' },
    );
    // Ten days ago: outside the default window of 7 days.
    clock.set(new Date('2026-02-22T18:00:00Z'));
    await send('menu', '+14155550201');
    await send('qwerty', '+14155550201');
    clock.set(new Date('2026-03-04T17:00:00Z'));
    await send('Can I see the menu?', '+14155550202');
    await send('what do you have', '+14155550203');
    await send('Hours?', '+14155550202');
    await send('asdf', '+14155550204');
    await send('ASDF!!', '+14155550205');
    await send('STOP', '+14155550206');
    clock.set(new Date('2026-03-04T17:30:00Z'));
    expect(await send('  asdf ', '+14155550207')).toEqual([
      "Sorry, I didn't get that. Text MENU, HOURS, BOOK or HELP.",
    ]);
    await send('menu', '+14155550206'); // opted out: no rule answers
    clock.set(new Date('2026-03-04T18:00:00Z'));
  });
  afterAll(async () => {
    await server.stop();
  });

  it('GET /api/rules/stats counts hits per rule since the given time, with each last hit', async () => {
    const res = await admin('/api/rules/stats?since=7d').expect(200);
    expect(res.body.since).toBe('2026-02-25T18:00:00.000Z');
    expect(res.body.messages).toBe(8);
    const byId = Object.fromEntries(res.body.rules.map((r: { id: string }) => [r.id, r]));
    expect(byId.menu).toEqual({
      id: 'menu',
      hits: 2,
      lastHitAt: '2026-03-04T17:00:00.000Z',
      loaded: true,
    });
    expect(byId.fallback).toMatchObject({ hits: 3, lastHitAt: '2026-03-04T17:30:00.000Z' });
    expect(byId.hours).toMatchObject({ hits: 1 });
    // Loaded rules that never answered are listed too.
    expect(byId.staff).toEqual({ id: 'staff', hits: 0, lastHitAt: null, loaded: true });
    expect(res.body.rules[0].id).toBe('fallback'); // most hits first
    expect(res.body.noRule).toEqual({ hits: 2, lastHitAt: '2026-03-04T17:30:00.000Z' });

    const all = await admin('/api/rules/stats?since=30d').expect(200);
    expect(all.body.messages).toBe(10);
  });

  it('GET /api/rules/unmatched groups what the catch-all and no rule answered, by normalised text', async () => {
    const res = await admin('/api/rules/unmatched').expect(200);
    expect(res.body).toEqual({
      since: '2026-02-25T18:00:00.000Z',
      // STOP is a compliance keyword, not a question nobody answers.
      total: 4,
      groups: [
        {
          text: 'asdf',
          count: 3,
          lastSeenAt: '2026-03-04T17:30:00.000Z',
          example: '  asdf ',
          rule: 'fallback',
        },
        {
          text: 'menu',
          count: 1,
          lastSeenAt: '2026-03-04T17:30:00.000Z',
          example: 'menu',
          rule: null,
        },
      ],
    });
    const limited = await admin('/api/rules/unmatched?since=30d&limit=1').expect(200);
    expect(limited.body.total).toBe(5);
    expect(limited.body.groups.map((g: { text: string }) => g.text)).toEqual(['asdf']);
  });

  it.each([
    ['/api/rules/stats?since=soon', 'since'],
    ['/api/rules/stats?since=400d', 'since'],
    ['/api/rules/stats?days=7', '(root)'],
    ['/api/rules/unmatched?limit=0', 'limit'],
  ])('%s is a 400 naming %s', async (path, field) => {
    const res = await admin(path).expect(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.details[0].field).toBe(field);
  });

  it('needs Basic Auth like the other admin routes', async () => {
    await request(server.url).get('/api/rules/stats').expect(401);
    await request(server.url).get('/api/rules/unmatched').expect(401);
  });

  it('/metrics counts hits per rule, every loaded rule from 0', async () => {
    const res = await request(server.url).get('/metrics').expect(200);
    expect(res.text).toMatch(/^replybot_rule_hits_total\{rule="menu"\} 3$/m);
    expect(res.text).toMatch(/^replybot_rule_hits_total\{rule="fallback"\} 4$/m);
    expect(res.text).toMatch(/^replybot_rule_hits_total\{rule="staff"\} 0$/m);
    expect(res.text).toMatch(
      /^replybot_rule_last_hit_timestamp_seconds\{rule="menu"\} \d+(\.\d+)?$/m,
    );
  });

  it('POST /api/rules/test sends to our number unless told otherwise, as the webhook would', async () => {
    const tryIt = (body: object) =>
      request(server.url)
        .post('/api/rules/test')
        .auth(TEST_ADMIN.name, TEST_ADMIN.password)
        .send(body)
        .expect(200);
    // No TWILIO_FROM here: the number the rules name (the staff rule's `to`).
    const staff = { body: 'shift swap', from: '+14155550190', messageCount: 1 };
    expect((await tryIt(staff)).body.rule.id).toBe('staff');
    expect((await tryIt({ ...staff, to: '+14155550999' })).body.rule.id).toBe('fallback');
  });

  it('is in the OpenAPI document', async () => {
    const doc = (await request(server.url).get('/openapi.json').expect(200)).body;
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/api/rules/stats', '/api/rules/unmatched']),
    );
    const params = doc.paths['/api/rules/unmatched'].get.parameters.map(
      (p: { name: string }) => p.name,
    );
    expect(params.sort()).toEqual(['limit', 'since']);
  });
});
