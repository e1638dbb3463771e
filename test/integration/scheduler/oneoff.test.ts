// One-off schedules through one instance, with a manual clock: sent once when due, opted-out
// recipients skipped, missed-fire policy, cancel, bounded fan-out, and fires left by a dead instance.
import { ManualClock } from '../../../src/clock';
import type { MessageDoc } from '../../../src/db/models/message';
import { scheduleRunModel, type ScheduleRunDoc } from '../../../src/db/models/scheduleRun';
import { sendKey } from '../../../src/scheduler/fanout';
import { openTestDatabase } from '../../support/db';
import { startFakeTwilio, type FakeTwilio } from '../../support/fakeTwilio';
import type { TestServer } from '../../support/server';
import { PUBLIC_URL, TEXTER, inboundForm, postSigned } from '../../support/twilioRequests';
import {
  OUR_NUMBER,
  addContacts,
  admin,
  concurrencyProxy,
  phone,
  sendsByRecipient,
  startSchedulingServer,
} from './helpers';

const T0 = new Date('2030-06-01T08:00:00Z');
const MINUTE = 60_000;

describe('one-off schedules', () => {
  let fake: FakeTwilio;
  let server: TestServer;
  let clock: ManualClock;
  let api: ReturnType<typeof admin>;

  beforeAll(async () => {
    fake = await startFakeTwilio();
  });
  afterAll(() => fake.close());
  beforeEach(async () => {
    fake.reset();
    clock = new ManualClock(T0);
    server = await startSchedulingServer(fake, { clock });
    api = admin(server.url);
  });
  afterEach(() => server.stop());

  const runsOf = (id: string) =>
    scheduleRunModel(server.connection).find({ schedule: id }).lean<ScheduleRunDoc[]>();
  const messagesOf = (id: string) =>
    server.models.Message.find({ schedule: id }).lean<MessageDoc[]>();

  it('is sent once when due, not before, each send an outbound message linked to the schedule', async () => {
    const created = await api
      .post('/api/schedules', {
        to: [phone(1), phone(2)],
        template: 'hours',
        sendAt: new Date(T0.getTime() + 10 * MINUTE).toISOString(),
      })
      .expect(201);
    const id = created.body.id as string;

    await server.scheduler!.tick();
    expect(fake.requests).toHaveLength(0);

    clock.advance(10 * MINUTE);
    await server.scheduler!.tick();
    await server.scheduler!.tick();
    expect(sendsByRecipient(fake)).toEqual(
      new Map([
        [phone(1), 1],
        [phone(2), 1],
      ]),
    );
    expect(fake.requests[0].body).toMatch(/^We are open 7am-7pm every day/);

    const messages = await messagesOf(id);
    expect(messages).toHaveLength(2);
    const fireAt = new Date(T0.getTime() + 10 * MINUTE);
    for (const m of messages) {
      expect(m).toMatchObject({
        direction: 'outbound',
        status: 'queued',
        fireAt,
        key: sendKey(id, fireAt, m.contact),
      });
      expect(m.thread).not.toBeNull();
    }
    const detail = await api.get(`/api/schedules/${id}`).expect(200);
    expect(detail.body).toMatchObject({ status: 'done', nextRunAt: null });
    expect(detail.body.runs).toEqual([
      expect.objectContaining({
        fireAt: fireAt.toISOString(),
        status: 'done',
        takeovers: 0,
        messages: { queued: 2 },
      }),
    ]);
  });

  it('records opted-out recipients as skipped and sends them nothing', async () => {
    await addContacts(server.models, { from: 3, count: 1, tag: 'x', optedOut: [0] });
    const created = await api
      .post('/api/schedules', {
        to: [phone(3), phone(4)],
        body: 'Sale today',
        sendAt: T0.toISOString(),
      })
      .expect(201);
    await server.scheduler!.tick();
    expect(sendsByRecipient(fake)).toEqual(new Map([[phone(4), 1]]));
    const byContact = Object.fromEntries(
      (await messagesOf(created.body.id)).map((m) => [m.contact, m.status]),
    );
    expect(byContact).toEqual({ [phone(3)]: 'skipped', [phone(4)]: 'queued' });
  });

  it('canceled before its time, sends nothing', async () => {
    const created = await api
      .post('/api/schedules', {
        to: phone(5),
        body: 'Never',
        sendAt: new Date(T0.getTime() + MINUTE).toISOString(),
      })
      .expect(201);
    await api.delete(`/api/schedules/${created.body.id}`).expect(200);
    clock.advance(2 * MINUTE);
    await server.scheduler!.tick();
    expect(fake.requests).toHaveLength(0);
    expect((await api.get(`/api/schedules/${created.body.id}`)).body.status).toBe('canceled');
  });

  it('canceled during its fan-out, sends to no further recipients', async () => {
    const phones = await addContacts(server.models, { count: 60, tag: 'crowd' });
    // Twilio holds its answers: the cancel lands while exactly the scheduler's bound of calls
    // (sendConcurrency, 10) is in flight, however slow the machine.
    const inFlight = server.scheduler!.options.sendConcurrency;
    fake.hold();
    const created = await api
      .post('/api/schedules', { to: { tag: 'crowd' }, body: 'Hello all', sendAt: T0.toISOString() })
      .expect(201);
    const fanning = server.scheduler!.tick();
    await fake.untilHeld(inFlight, 10_000);
    await api.delete(`/api/schedules/${created.body.id}`).expect(200);
    fake.release();
    await fanning;

    // The calls in flight finish; no further recipient gets a call or a record.
    expect(fake.requests).toHaveLength(inFlight);
    expect(fake.requests.every((r) => r.status === 201)).toBe(true);
    const messages = await messagesOf(created.body.id);
    expect(messages.map((m) => m.status)).toEqual(messages.map(() => 'queued'));
    expect(messages.map((m) => m.contact).sort()).toEqual(fake.requests.map((r) => r.to).sort());
    const recorded = new Set(messages.map((m) => m.contact));
    expect(phones.filter((p) => !recorded.has(p))).toHaveLength(phones.length - inFlight);
    const [run] = await runsOf(created.body.id);
    expect(run.status).toBe('canceled');
    await server.scheduler!.tick();
    expect(fake.requests).toHaveLength(inFlight);
  });

  it('fans out to a tag with at most 10 Twilio calls at once, skipping who opted out', async () => {
    await server.stop();
    const proxy = await concurrencyProxy(fake.url);
    server = await startSchedulingServer(fake, { clock, twilioUrl: proxy.url });
    api = admin(server.url);
    // 150 contacts: more than one batch of 100; every 50th opted out.
    const phones = await addContacts(server.models, {
      count: 150,
      tag: 'all',
      optedOut: [0, 50, 100],
      phoneOf: (n) => `+1415555${String(n).padStart(4, '0')}`,
    });
    // Slow enough that the Twilio call, not our database writes, is most of each send.
    fake.delayMs = 100;
    const created = await api
      .post('/api/schedules', { to: { tag: 'all' }, body: 'News', sendAt: T0.toISOString() })
      .expect(201);
    await server.scheduler!.tick();
    await proxy.close();
    const sends = sendsByRecipient(fake);
    expect(sends.size).toBe(147);
    expect([...sends.values()].every((n) => n === 1)).toBe(true);
    expect(sends.has(phones[50])).toBe(false);
    expect(proxy.peak()).toBeLessThanOrEqual(10);
    expect(proxy.peak()).toBeGreaterThanOrEqual(8);
    const detail = await api.get(`/api/schedules/${created.body.id}`).expect(200);
    expect(detail.body.runs[0].messages).toEqual({ queued: 147, skipped: 3 });
  });

  it("sends a rule's schedule action (follow-up) once, when due", async () => {
    await server.stop();
    server = await startSchedulingServer(fake, { clock, env: { PUBLIC_URL } });
    await postSigned(
      server.url,
      '/twilio/sms',
      inboundForm({ Body: 'book' }),
      fake.authToken,
    ).expect(200);
    await postSigned(
      server.url,
      '/twilio/sms',
      inboundForm({ Body: 'Ada' }),
      fake.authToken,
    ).expect(200);
    const [followUp] = await server.models.Schedule.find({ source: 'rule' }).lean();
    expect(followUp).toMatchObject({ rule: 'got-name', status: 'active', to: [TEXTER] });

    clock.advance(119 * MINUTE);
    await server.scheduler!.tick();
    expect(fake.requests).toHaveLength(0);
    clock.advance(MINUTE);
    await server.scheduler!.tick();
    await server.scheduler!.tick();
    expect(fake.requests.map((r) => [r.to, r.from, r.body])).toEqual([
      [TEXTER, OUR_NUMBER, 'See you soon, Ada!'],
    ]);
    // The follow-up names a state: once sent, the thread is in it.
    const [thread] = await server.models.Thread.find({ contact: TEXTER }).lean();
    expect(thread.state).toBe('followed_up');
  });

  it("a follow-up's state leaves alone a thread that moved on before it was sent", async () => {
    await server.stop();
    server = await startSchedulingServer(fake, { clock, env: { PUBLIC_URL } });
    const text = (Body: string) =>
      postSigned(server.url, '/twilio/sms', inboundForm({ Body }), fake.authToken).expect(200);
    await text('book');
    await text('Ada');
    await text('book'); // booking again: the thread asks for a name again
    clock.advance(120 * MINUTE);
    await server.scheduler!.tick();
    await server.scheduler!.tick();
    expect(fake.requests.map((r) => r.body)).toEqual(['See you soon, Ada!']);
    const [thread] = await server.models.Thread.find({ contact: TEXTER }).lean();
    expect(thread.state).toBe('awaiting_name');
  });
});

describe('missed fires and fires left by a dead instance', () => {
  let fake: FakeTwilio;
  let server: TestServer | null = null;
  beforeAll(async () => {
    fake = await startFakeTwilio();
  });
  afterAll(() => fake.close());
  afterEach(async () => {
    await server?.stop();
    server = null;
    fake.reset();
  });

  it('at start: a one-off late by at most MISSED_GRACE is sent, a later one is marked missed', async () => {
    const db = await openTestDatabase('sched_missed');
    const { bindModels } = await import('../../../src/db/models');
    const models = bindModels(db.connection);
    const oneOff = (to: string, minutesLate: number) => {
      const at = new Date(T0.getTime() - minutesLate * MINUTE);
      return {
        to: [to],
        body: `late ${minutesLate}`,
        sendAt: at,
        nextRunAt: at,
        timezone: 'UTC',
        status: 'active',
      };
    };
    const [recent, old] = await models.Schedule.insertMany([
      oneOff(phone(1), 59),
      oneOff(phone(2), 61),
    ]);
    await db.connection.close();

    // No instance ran at those times; this one starts now (MISSED_GRACE defaults to 1 h).
    server = await startSchedulingServer(fake, {
      clock: new ManualClock(T0),
      env: { MONGODB_URI: db.uri },
    });
    await server.scheduler!.idle();
    expect(sendsByRecipient(fake)).toEqual(new Map([[phone(1), 1]]));
    const status = async (id: unknown) =>
      (await server!.models.Schedule.findById(id).lean())!.status;
    expect(await status(recent._id)).toBe('done');
    expect(await status(old._id)).toBe('missed');
  });

  /** A one-off to a tag that a dead instance was sending: one recipient sent, one in flight. */
  async function leftByDeadInstance(s: TestServer, clock: ManualClock) {
    const phones = await addContacts(s.models, { count: 5, tag: 'left' });
    const schedule = await s.models.Schedule.create({
      tag: 'left',
      body: 'Resumed',
      sendAt: T0,
      nextRunAt: T0,
      timezone: 'UTC',
      status: 'running',
      claimedBy: 'dead-instance',
      claimedAt: clock.now(),
    });
    const Run = scheduleRunModel(s.connection);
    await Run.create({
      schedule: schedule._id,
      fireAt: T0,
      owner: 'dead-instance',
      leaseUntil: new Date(clock.now().getTime() + 10_000),
      startedAt: clock.now(),
    });
    const message = (contact: string, status: string) => ({
      key: sendKey(schedule._id, T0, contact),
      direction: 'outbound',
      contact,
      number: OUR_NUMBER,
      body: 'Resumed',
      status,
      schedule: schedule._id,
      fireAt: T0,
    });
    await s.models.Message.insertMany([
      message(phones[0], 'queued'),
      message(phones[1], 'sending'),
    ]);
    return { schedule, phones, Run };
  }

  it('resumes the fire once its lease ran out: the in-flight send, not at Twilio, is sent; the rest are sent once', async () => {
    const clock = new ManualClock(T0);
    server = await startSchedulingServer(fake, { clock });
    const { schedule, phones, Run } = await leftByDeadInstance(server, clock);

    await server.scheduler!.tick();
    expect(fake.requests).toHaveLength(0); // the lease still holds

    // The lease ended 1 s ago: within the allowance for clock skew between instances, so the
    // owner (whose clock may be behind ours) still has it.
    clock.advance(11_000);
    await server.scheduler!.tick();
    expect(fake.requests).toHaveLength(0);
    expect(await Run.findOne({ schedule: schedule._id }).lean()).toMatchObject({
      owner: 'dead-instance',
      takeovers: 0,
    });

    clock.advance(2000); // 3 s past the lease: beyond the 2 s allowance
    await server.scheduler!.tick();
    await server.scheduler!.tick();
    // phones[1] was in flight when its instance died, and never reached Twilio: reconciled, then sent.
    expect(sendsByRecipient(fake)).toEqual(new Map(phones.slice(1).map((p) => [p, 1])));
    const statuses = Object.fromEntries(
      (await server.models.Message.find({ schedule: schedule._id }).lean()).map((m) => [
        m.contact,
        m.status,
      ]),
    );
    expect(statuses).toEqual({
      [phones[0]]: 'queued',
      [phones[1]]: 'queued',
      [phones[2]]: 'queued',
      [phones[3]]: 'queued',
      [phones[4]]: 'queued',
    });
    const run = await Run.findOne({ schedule: schedule._id }).lean();
    expect(run).toMatchObject({
      status: 'done',
      takeovers: 1,
      owner: server.scheduler!.instanceId,
    });
    expect((await server.models.Schedule.findById(schedule._id).lean())!.status).toBe('done');
  });

  it('marks a fire abandoned for longer than MISSED_GRACE missed: nothing more is sent', async () => {
    const clock = new ManualClock(T0);
    server = await startSchedulingServer(fake, { clock });
    const { schedule, phones, Run } = await leftByDeadInstance(server, clock);
    clock.advance(2 * 60 * MINUTE);
    await server.scheduler!.tick();
    expect(fake.requests).toHaveLength(0);
    // Its in-flight send is not at Twilio, and the fire is too late for it to go out now.
    expect(await server.models.Message.findOne({ contact: phones[1] }).lean()).toMatchObject({
      status: 'failed',
      sid: null,
      errorMessage: 'Not at Twilio, and its fire is more than MISSED_GRACE ago: not sent',
    });
    expect((await Run.findOne({ schedule: schedule._id }).lean())!.status).toBe('missed');
    expect((await server.models.Schedule.findById(schedule._id).lean())!.status).toBe('missed');
  });
});
