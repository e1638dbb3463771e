// Pausing a recurring schedule stops a fire already under way, like a cancel: the recipients not
// reached yet get nothing and have no send record; the fire's run ends `paused`. A fire that had
// already reached everyone when the stop came is done, not halted. The slots are fired from the
// injected clock (ClockCronDriver), so exactly one fire is under way when the stop lands.
import { ManualClock } from '../../../src/clock';
import type { MessageDoc } from '../../../src/db/models/message';
import { ClockCronDriver } from '../../support/cronClock';
import { startFakeTwilio, type FakeTwilio } from '../../support/fakeTwilio';
import type { TestServer } from '../../support/server';
import {
  addContacts,
  admin,
  phone,
  sendsByRecipient,
  startSchedulingServer,
  waitFor,
} from './helpers';

jest.setTimeout(30_000);
const RECIPIENTS = 60;

describe('pausing a schedule during a fan-out', () => {
  let fake: FakeTwilio;
  let server: TestServer;
  const clock = new ManualClock(new Date('2030-03-01T12:00:00.000Z'));
  const cron = new ClockCronDriver(clock);
  /** Fires the schedule's next slot once the scheduler has armed it. */
  const fireNextSlot = async () => {
    await waitFor(() => cron.patterns.length === 1, 10_000, 'the schedule armed');
    expect(await cron.advance(1000)).toHaveLength(1);
  };
  beforeAll(async () => {
    fake = await startFakeTwilio();
    server = await startSchedulingServer(fake, { clock, scheduler: { cronDriver: cron } });
  });
  afterAll(async () => {
    await server.stop();
    await fake.close();
  });

  // Twilio holds its answers (fake.hold()), so the test acts while a known set of calls is in
  // flight rather than racing a slow Twilio.
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
    await fireNextSlot();

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
    expect(
      (detail.body.runs as { status: string; fireAt: string; messages: object }[]).map((r) => [
        r.fireAt,
        r.status,
        r.messages,
      ]),
    ).toEqual([['2030-03-01T12:00:01.000Z', 'paused', { queued: inFlight }]]);
    expect(new Set(messages.map((m) => m.fireAt!.toISOString()))).toEqual(
      new Set(['2030-03-01T12:00:01.000Z']),
    );

    // More slots pass: the paused schedule stays silent.
    expect(await cron.advance(3000)).toEqual([]);
    await server.scheduler!.idle();
    expect(fake.requests).toHaveLength(inFlight);
  });

  it('a cancel that comes while the last sends are in flight leaves the fire done: everyone got it', async () => {
    // The first test's schedule, paused, is no longer armed.
    await waitFor(() => cron.patterns.length === 0, 10_000, 'the paused schedule disarmed');
    fake.reset();
    fake.hold();
    const api = admin(server.url);
    const created = await api
      .post('/api/schedules', { to: [phone(1), phone(2)], body: 'Last call', cron: '* * * * * *' })
      .expect(201);
    const id = created.body.id as string;
    await fireNextSlot();

    // Both sends are stored before their Twilio call, so both are under way here.
    await fake.untilHeld(2, 10_000);
    await api.delete(`/api/schedules/${id}`).expect(200);
    fake.release();
    await server.scheduler!.idle();

    // The fire under way reached both: it is done, though the schedule is canceled.
    const detail = await api.get(`/api/schedules/${id}`).expect(200);
    expect(detail.body.status).toBe('canceled');
    expect(
      (detail.body.runs as { status: string; messages: object }[]).map((r) => [
        r.status,
        r.messages,
      ]),
    ).toEqual([['done', { queued: 2 }]]);
    expect(fake.requests.every((r) => r.status === 201 && r.body === 'Last call')).toBe(true);
    expect(sendsByRecipient(fake)).toEqual(
      new Map([
        [phone(1), 1],
        [phone(2), 1],
      ]),
    );
    expect(await cron.advance(3000)).toEqual([]);
    await server.scheduler!.idle();
    expect(fake.requests).toHaveLength(2);
    const messages = await server.models.Message.find({ schedule: id }).lean<MessageDoc[]>();
    expect(messages.map((m) => m.status)).toEqual(messages.map(() => 'queued'));
    expect(messages).toHaveLength(2);
  });
});
