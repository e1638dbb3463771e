// Reading conversations over the admin API: paging, filters, a thread with its messages.
import request from 'supertest';
import { TEST_ADMIN } from '../support/config';
import { startTestServer, type TestServer } from '../support/server';
import { OUR_NUMBER, PUBLIC_URL, inboundForm, postSigned } from '../support/twilioRequests';

const TOKEN = 'threads-test-token-0123456789abcd';

describe('threads API', () => {
  let server: TestServer;
  const get = (path: string) =>
    request(server.url).get(path).auth(TEST_ADMIN.name, TEST_ADMIN.password);
  const text = (from: string, body: string) =>
    postSigned(server.url, '/twilio/sms', inboundForm({ From: from, Body: body }), TOKEN).expect(
      200,
    );

  beforeAll(async () => {
    server = await startTestServer(
      { PUBLIC_URL, TWILIO_ACCOUNT_SID: 'AC' + 'b'.repeat(32), TWILIO_AUTH_TOKEN: TOKEN },
      { label: 'threads' },
    );
    // Three contacts, in this order; the second books (tag "booked" once confirmed) and one opts out.
    await text('+14155550171', 'hours');
    await text('+14155550172', 'book a table for 2 at 7pm');
    await text('+14155550172', 'Grace Hopper');
    await text('+14155550172', 'OK');
    await text('+14155550173', 'STOP');
  });
  afterAll(() => server.stop());

  it('lists threads newest first with paging', async () => {
    const page1 = await get('/api/threads?limit=2').expect(200);
    expect(page1.body).toMatchObject({ page: 1, limit: 2, total: 3 });
    expect(page1.body.items.map((t: { contact: string }) => t.contact)).toEqual([
      '+14155550173',
      '+14155550172',
    ]);
    const page2 = await get('/api/threads?limit=2&page=2').expect(200);
    expect(page2.body.items.map((t: { contact: string }) => t.contact)).toEqual(['+14155550171']);
  });

  it('filters by opt-out status and by tag', async () => {
    const opted = await get('/api/threads?optedOut=true').expect(200);
    expect(opted.body.items.map((t: { contact: string }) => t.contact)).toEqual(['+14155550173']);
    const booked = await get('/api/threads?tag=booked').expect(200);
    expect(booked.body.items.map((t: { contact: string }) => t.contact)).toEqual(['+14155550172']);
  });

  it('shows one thread with its recent messages, newest first', async () => {
    const res = await get(`/api/threads/${encodeURIComponent('+14155550172')}`).expect(200);
    expect(res.body).toMatchObject({
      contact: '+14155550172',
      number: OUR_NUMBER,
      state: 'booked',
      vars: { name: 'Grace Hopper', party: '2', time: '7pm' },
      inboundCount: 3,
      messageCount: 6,
    });
    expect(res.body.messages.map((m: { direction: string; body: string }) => m.direction)).toEqual([
      'outbound',
      'inbound',
      'outbound',
      'inbound',
      'outbound',
      'inbound',
    ]);
    expect(res.body.messages[1].body).toBe('OK');
    expect(res.body.messages[3].body).toBe('Grace Hopper');
  });

  it("pages a thread's messages", async () => {
    const res = await get(
      `/api/threads/${encodeURIComponent('+14155550172')}/messages?limit=3&page=2`,
    ).expect(200);
    expect(res.body).toMatchObject({ page: 2, limit: 3, total: 6 });
    expect(res.body.items.map((m: { body: string }) => m.body)).toEqual([
      'Grace Hopper',
      'Nice! A table for 2 at 7pm. What name is the booking under?',
      'book a table for 2 at 7pm',
    ]);
  });

  it.each([
    ['/api/threads/%2B14155550999', 404, 'thread_not_found'],
    ['/api/threads/not-a-number', 400, 'validation_failed'],
    ['/api/threads?limit=1000', 400, 'validation_failed'],
    ['/api/threads?page=0', 400, 'validation_failed'],
    ['/api/threads?optedOut=maybe', 400, 'validation_failed'],
    ['/api/threads?tag[$ne]=x', 400, 'validation_failed'],
    ['/api/threads?sort=evil', 400, 'validation_failed'],
  ])('GET %s → %d %s', async (path, status, code) => {
    const res = await get(path).expect(status);
    expect(res.body.error.code).toBe(code);
  });

  it('has an index for each sort and filter of the thread API', async () => {
    const keys = async (model: { listIndexes(): Promise<{ key: Record<string, number> }[]> }) =>
      (await model.listIndexes()).map((index) => JSON.stringify(index.key));
    expect(await keys(server.models.Thread)).toEqual(
      expect.arrayContaining([
        '{"lastMessageAt":-1,"_id":-1}',
        '{"tags":1,"lastMessageAt":-1,"_id":-1}',
        '{"optedOut":1,"lastMessageAt":-1,"_id":-1}',
      ]),
    );
    expect(await keys(server.models.Message)).toEqual(
      expect.arrayContaining(['{"thread":1,"createdAt":-1,"_id":-1}']),
    );
  });
});

describe("a contact's conversation, whichever of our numbers it is with", () => {
  let server: TestServer;
  const get = (path: string) =>
    request(server.url).get(path).auth(TEST_ADMIN.name, TEST_ADMIN.password);
  const contact = '+14155550181';
  const phone = encodeURIComponent(contact);

  beforeAll(async () => {
    // A first local try: no Twilio account (dry-run sends), no TWILIO_FROM, no signature check.
    server = await startTestServer(
      { TWILIO_VALIDATE_SIGNATURE: 'false' },
      { label: 'threads-any' },
    );
    await request(server.url)
      .post('/api/messages')
      .auth(TEST_ADMIN.name, TEST_ADMIN.password)
      .send({ to: contact, body: 'Your table is ready.' })
      .expect(202);
    // The contact answers, to our Twilio number.
    await request(server.url)
      .post('/twilio/sms')
      .type('form')
      .send(new URLSearchParams(inboundForm({ From: contact, Body: 'hours' })).toString())
      .expect(200);
  });
  afterAll(() => server.stop());

  it('GET /api/threads/{phone} shows the most recently active thread: the inbound one', async () => {
    const res = await get(`/api/threads/${phone}`).expect(200);
    expect(res.body).toMatchObject({ contact, number: OUR_NUMBER, inboundCount: 1 });
    expect(res.body.messages[res.body.messages.length - 1].body).toBe('hours');
  });

  it('?number= picks the thread with one of our numbers, here the send without a sender', async () => {
    const res = await get(`/api/threads/${phone}?number=default`).expect(200);
    expect(res.body).toMatchObject({ contact, number: 'default', inboundCount: 0 });
    expect(res.body.messages.map((m: { body: string }) => m.body)).toEqual([
      'Your table is ready.',
    ]);
    const messages = await get(`/api/threads/${phone}/messages?number=default`).expect(200);
    expect(messages.body.total).toBe(1);
    await get(`/api/threads/${phone}?number=${encodeURIComponent('+14155550999')}`).expect(404);
  });

  it('GET /api/threads?phone= lists every thread of the contact, most recent first', async () => {
    const res = await get(`/api/threads?phone=${phone}`).expect(200);
    expect(res.body.total).toBe(2);
    expect(res.body.items.map((t: { number: string }) => t.number)).toEqual([
      OUR_NUMBER,
      'default',
    ]);
    const none = await get(`/api/threads?phone=${encodeURIComponent('+14155550999')}`).expect(200);
    expect(none.body).toMatchObject({ total: 0, items: [] });
    await get('/api/threads?phone=not-a-number').expect(400);
  });
});
