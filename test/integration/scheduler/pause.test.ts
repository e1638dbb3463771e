// Pausing a recurring schedule stops a fire already under way, like a cancel: the recipients not
// reached yet get nothing and have no send record; the fire's run ends `paused`. A fire that had
// already reached everyone when the stop came is done, not halted.
import type { MessageDoc } from '../../../src/db/models/message';
import { startFakeTwilio, type FakeTwilio } from '../../support/fakeTwilio';
import type { TestServer } from '../../support/server';
import { addContacts, admin, phone, sleep, startSchedulingServer, waitFor } from './helpers';

jest.setTimeout(30_000);
const RECIPIENTS = 60;

describe('pausing a schedule during a fan-out', () => {
  let fake: FakeTwilio;
  let server: TestServer;
  beforeAll(async () => {
    fake = await startFakeTwilio();
    server = await startSchedulingServer(fake);
  });
  afterAll(async () => {
    await server.stop();
    await fake.close();
  });

  it('sends nothing more after the pause; the rest of the tag gets no message and no record', async () => {
    const phones = await addContacts(server.models, { count: RECIPIENTS, tag: 'club' });
    fake.delayMs = 200; // a slow Twilio: 10 calls at a time, so 60 take over a second
    // Fires once, at a whole second about 3 s from now.
    const second = new Date(Date.now() + 3000).getUTCSeconds();
    const api = admin(server.url);
    const created = await api
      .post('/api/schedules', {
        to: { tag: 'club' },
        body: 'Club night',
        cron: `${second} * * * * *`,
      })
      .expect(201);
    const id = created.body.id as string;

    await waitFor(() => fake.requests.length >= 10, 6000, 'the fan-out to start');
    await api.patch(`/api/schedules/${id}`, { enabled: false }).expect(200);
    await server.scheduler!.idle();
    const sent = fake.requests.length;
    await sleep(1000);
    expect(fake.requests.length).toBe(sent);
    // The calls in flight at the pause finish; nothing new starts.
    expect(sent).toBeLessThanOrEqual(30);

    const messages = await server.models.Message.find({ schedule: id }).lean<MessageDoc[]>();
    expect(messages).toHaveLength(sent);
    expect(messages.every((m) => m.status !== 'sending' && m.status !== 'skipped')).toBe(true);
    const recorded = new Set(messages.map((m) => m.contact));
    expect(phones.filter((p) => !recorded.has(p))).toHaveLength(RECIPIENTS - sent);

    const detail = await api.get(`/api/schedules/${id}`).expect(200);
    expect(detail.body.status).toBe('paused');
    expect(detail.body.runs).toHaveLength(1);
    expect(detail.body.runs[0].status).toBe('paused');
  });

  it('a cancel that comes while the last sends are in flight leaves the fire done: everyone got it', async () => {
    fake.reset();
    fake.delayMs = 1500;
    const second = new Date(Date.now() + 3000).getUTCSeconds();
    const api = admin(server.url);
    const created = await api
      .post('/api/schedules', {
        to: [phone(1), phone(2)],
        body: 'Last call',
        cron: `${second} * * * * *`,
      })
      .expect(201);
    const id = created.body.id as string;

    // Both sends are stored before their Twilio call, so both are under way here.
    await waitFor(
      async () =>
        (await server.models.Message.countDocuments({ schedule: id, status: 'sending' })) === 2,
      6000,
      'both sends to be in flight',
    );
    await api.delete(`/api/schedules/${id}`).expect(200);
    await server.scheduler!.idle();

    expect(fake.requests).toHaveLength(2);
    const messages = await server.models.Message.find({ schedule: id }).lean<MessageDoc[]>();
    expect(messages.map((m) => m.status)).toEqual(['queued', 'queued']);
    const detail = await api.get(`/api/schedules/${id}`).expect(200);
    expect(detail.body.status).toBe('canceled');
    expect(detail.body.runs.map((r: { status: string }) => r.status)).toEqual(['done']);
  });
});
