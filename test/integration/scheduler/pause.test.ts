// Pausing a recurring schedule stops a fire already under way, like a cancel: the recipients not
// reached yet get nothing and have no send record; the fire's run ends `paused`. A fire that had
// already reached everyone when the stop came is done, not halted.
import type { MessageDoc } from '../../../src/db/models/message';
import { startFakeTwilio, type FakeTwilio } from '../../support/fakeTwilio';
import type { TestServer } from '../../support/server';
import {
  addContacts,
  admin,
  phone,
  sendsByRecipient,
  sleep,
  startSchedulingServer,
} from './helpers';

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

  // Twilio holds its answers (fake.hold()), so the test acts while a known set of calls is in
  // flight rather than racing a slow Twilio. The cron fires every second, so no slot has to be
  // hit in time; a fire or two more may start before the stop lands, and they must obey it too.
  it('sends nothing more after the pause; the rest of the tag gets no message and no record', async () => {
    const phones = await addContacts(server.models, { count: RECIPIENTS, tag: 'club' });
    // The scheduler's bound on Twilio calls in flight: the first fire's calls held at the pause.
    const inFlight = server.scheduler!.options.sendConcurrency;
    expect(inFlight).toBeLessThan(RECIPIENTS);
    fake.hold();
    const api = admin(server.url);
    const created = await api
      .post('/api/schedules', { to: { tag: 'club' }, body: 'Club night', cron: '* * * * * *' })
      .expect(201);
    const id = created.body.id as string;

    await fake.untilHeld(inFlight, 10_000);
    await api.patch(`/api/schedules/${id}`, { enabled: false }).expect(200);
    fake.release();
    await server.scheduler!.idle();

    // The calls in flight at the pause finish; nothing new starts.
    expect(fake.requests).toHaveLength(inFlight);
    expect(fake.requests.every((r) => r.status === 201 && r.body === 'Club night')).toBe(true);
    const messages = await server.models.Message.find({ schedule: id }).lean<MessageDoc[]>();
    expect(messages.map((m) => m.status)).toEqual(messages.map(() => 'queued'));
    expect(messages.map((m) => m.contact).sort()).toEqual(fake.requests.map((r) => r.to).sort());
    const recorded = new Set(messages.map((m) => m.contact));
    expect(phones.filter((p) => !recorded.has(p))).toHaveLength(RECIPIENTS - inFlight);

    const detail = await api.get(`/api/schedules/${id}`).expect(200);
    expect(detail.body.status).toBe('paused');
    // Newest first: the fire that was under way is the oldest; any later one sent nothing.
    const runs = detail.body.runs as { status: string; fireAt: string; messages: object }[];
    expect(runs.map((r) => r.status)).toEqual(runs.map(() => 'paused'));
    expect(runs.map((r) => r.messages)).toEqual([
      ...runs.slice(1).map(() => ({})),
      { queued: inFlight },
    ]);
    expect(new Set(messages.map((m) => m.fireAt!.toISOString()))).toEqual(
      new Set([runs[runs.length - 1].fireAt]),
    );

    await sleep(1500); // a slot or more passes: the paused schedule stays silent
    expect(fake.requests).toHaveLength(inFlight);
  });

  it('a cancel that comes while the last sends are in flight leaves the fire done: everyone got it', async () => {
    fake.reset();
    fake.hold();
    const api = admin(server.url);
    const created = await api
      .post('/api/schedules', { to: [phone(1), phone(2)], body: 'Last call', cron: '* * * * * *' })
      .expect(201);
    const id = created.body.id as string;

    // Both sends are stored before their Twilio call, so both are under way here.
    await fake.untilHeld(2, 10_000);
    await api.delete(`/api/schedules/${id}`).expect(200);
    fake.release();
    await server.scheduler!.idle();

    // The fire under way (the oldest run) reached both; a fire that started as the cancel came
    // either reached both too or sent nothing.
    const detail = await api.get(`/api/schedules/${id}`).expect(200);
    expect(detail.body.status).toBe('canceled');
    const runs = (detail.body.runs as { status: string; messages: object }[]).map((r) => [
      r.status,
      r.messages,
    ]);
    expect(runs[runs.length - 1]).toEqual(['done', { queued: 2 }]);
    const done = runs.filter(([status]) => status === 'done');
    expect(runs.filter(([status]) => status !== 'done')).toEqual(
      runs.filter(([status]) => status !== 'done').map(() => ['canceled', {}]),
    );
    expect(done).toEqual(done.map(() => ['done', { queued: 2 }]));
    expect(fake.requests.every((r) => r.status === 201 && r.body === 'Last call')).toBe(true);
    expect(sendsByRecipient(fake)).toEqual(
      new Map([
        [phone(1), done.length],
        [phone(2), done.length],
      ]),
    );
    expect(fake.requests).toHaveLength(2 * done.length);
    const messages = await server.models.Message.find({ schedule: id }).lean<MessageDoc[]>();
    expect(messages.map((m) => m.status)).toEqual(messages.map(() => 'queued'));
    expect(messages).toHaveLength(2 * done.length);
  });
});
