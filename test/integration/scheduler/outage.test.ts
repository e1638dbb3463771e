// Scheduled sends during a Twilio outage: late rather than lost, and never doubled — by the same
// instance waiting the outage out, or by another instance after the first one stopped.
import { PassThrough } from 'node:stream';
import { ManualClock } from '../../../src/clock';
import type { MessageDoc } from '../../../src/db/models/message';
import { scheduleRunModel, type ScheduleRunDoc } from '../../../src/db/models/scheduleRun';
import { freshDatabaseUri } from '../../support/db';
import { startFakeTwilio, type FakeTwilio } from '../../support/fakeTwilio';
import type { TestServer } from '../../support/server';
import { systemClock } from '../../../src/clock';
import { ConversationStore } from '../../../src/conversations/store';
import { createLogger } from '../../../src/logger';
import {
  OUR_NUMBER,
  addContacts,
  admin,
  phone,
  sendsByRecipient,
  startSchedulingServer,
  waitFor,
} from './helpers';

const T0 = new Date('2030-06-01T08:00:00Z');
const OUTAGE = { status: 503, code: 20500, message: 'Service unavailable' };
// Each send tries Twilio three times (the transport's retries) before it is deferred.
const TRIES_PER_SEND = 3;
const RECIPIENTS = [phone(1), phone(2), phone(3)];

describe('scheduled sends during a Twilio outage', () => {
  let fake: FakeTwilio;
  const servers: TestServer[] = [];

  beforeAll(async () => {
    fake = await startFakeTwilio();
  });
  afterAll(() => fake.close());
  beforeEach(() => fake.reset());
  afterEach(async () => {
    for (const s of servers.splice(0)) await s.stop();
  });

  async function schedule(server: TestServer, sendAt = T0): Promise<string> {
    const created = await admin(server.url)
      .post('/api/schedules', {
        to: RECIPIENTS,
        body: 'Your table is ready',
        sendAt: sendAt.toISOString(),
      })
      .expect(201);
    return created.body.id as string;
  }
  const messagesOf = (server: TestServer, id: string) =>
    server.models.Message.find({ schedule: id }).lean<MessageDoc[]>();
  const delivered = () => fake.requests.filter((r) => r.status === 201);
  /** Until `count` of the schedule's sends are recorded failed (deferred, during the outage). */
  const deferred = (server: TestServer, id: string, count = RECIPIENTS.length) =>
    waitFor(
      async () =>
        (await messagesOf(server, id)).filter((m) => m.status === 'failed').length === count,
      10_000,
      `${count} sends to be recorded failed`,
    );
  /** Until every recipient has a record that is not `sending`: the first pass is over. */
  const firstPassOver = (server: TestServer, id: string) =>
    waitFor(
      async () => {
        const records = await messagesOf(server, id);
        return records.length === RECIPIENTS.length && records.every((m) => m.status !== 'sending');
      },
      10_000,
      'the first pass to end',
    );
  /**
   * The fire waits the outage out on the injected clock: moved on a retry wait at every look
   * until the fire ends (a look that comes before the wait began is made up by the next one).
   */
  async function waitOut(clock: ManualClock, waitMs: number, fired: Promise<unknown>) {
    let finished = false;
    const end = () => (finished = true);
    void fired.then(end, end);
    await waitFor(() => finished || (clock.advance(waitMs), false), 15_000, 'the fire to end');
    await fired;
  }

  it('tries the failed sends again once Twilio is back: each recipient gets exactly one message', async () => {
    const clock = new ManualClock(T0);
    const server = await startSchedulingServer(fake, {
      clock,
      scheduler: { outageRetryMs: 300 },
    });
    servers.push(server);
    fake.failNext(RECIPIENTS.length * TRIES_PER_SEND, OUTAGE);
    const id = await schedule(server);

    const fired = server.scheduler!.tick();
    await deferred(server, id);
    expect(delivered()).toHaveLength(0); // nothing is tried again before the wait is over
    await waitOut(clock, 300, fired);
    await waitFor(() => delivered().length === RECIPIENTS.length, 15_000, 'the retried sends');
    await waitFor(
      async () => (await admin(server.url).get(`/api/schedules/${id}`)).body.status === 'done',
      5_000,
      'the one-off to finish',
    );

    expect(fake.requests.filter((r) => r.status === 503)).toHaveLength(
      RECIPIENTS.length * TRIES_PER_SEND,
    );
    expect(sendsByRecipient(fake)).toEqual(new Map(RECIPIENTS.map((p) => [p, 1])));
    const records = await messagesOf(server, id);
    expect(records).toHaveLength(RECIPIENTS.length);
    for (const record of records) {
      expect(record.status).toBe('queued');
      expect(record.sid).toMatch(/^SM/);
      expect(record.errorMessage).toBeNull();
    }
  });

  it('retries a 5xx whatever its code, but never a message Twilio rejected', async () => {
    const clock = new ManualClock(T0);
    const server = await startSchedulingServer(fake, {
      clock,
      scheduler: { outageRetryMs: 300 },
    });
    servers.push(server);
    fake.rejectNumber(phone(3), 21211, "The 'To' number is not a valid phone number");
    // A code missing from our table of Twilio errors: the 5xx status alone says Twilio failed.
    fake.failNext(2 * TRIES_PER_SEND, { status: 503, code: 20001, message: 'Unlisted failure' });
    const id = await schedule(server);

    const fired = server.scheduler!.tick();
    await firstPassOver(server, id);
    await waitOut(clock, 300, fired);

    expect(sendsByRecipient(fake)).toEqual(
      new Map([
        [phone(1), 1],
        [phone(2), 1],
      ]),
    );
    // The rejected number was tried once (the 503s went to whoever asked first) and not again.
    expect(fake.requests.filter((r) => r.to === phone(3) && r.status === 400)).toHaveLength(1);
    const byPhone = new Map((await messagesOf(server, id)).map((m) => [m.contact, m]));
    expect(byPhone.get(phone(3))).toMatchObject({ status: 'failed', retryable: false });
    expect(byPhone.get(phone(1))).toMatchObject({ status: 'queued' });
  });

  it('a retry goes over the deferred sends only: who gets the fire was fixed when it went out', async () => {
    const clock = new ManualClock(T0);
    const server = await startSchedulingServer(fake, {
      clock,
      scheduler: { outageRetryMs: 500 },
    });
    servers.push(server);
    await addContacts(server.models, { from: 11, count: 2, tag: 'club' });
    fake.failNext(2 * TRIES_PER_SEND, OUTAGE);
    const created = await admin(server.url)
      .post('/api/schedules', { to: { tag: 'club' }, body: 'Club night', sendAt: T0.toISOString() })
      .expect(201);
    const id = created.body.id as string;

    const fired = server.scheduler!.tick();
    await deferred(server, id, 2);
    // Tagged while the fire waits out the outage: not one of its recipients.
    await addContacts(server.models, { from: 13, count: 1, tag: 'club' });
    await waitOut(clock, 500, fired);
    await waitFor(
      async () => (await admin(server.url).get(`/api/schedules/${id}`)).body.status === 'done',
      10_000,
      'the one-off to finish',
    );

    expect(sendsByRecipient(fake)).toEqual(
      new Map([
        [phone(11), 1],
        [phone(12), 1],
      ]),
    );
    expect((await messagesOf(server, id)).map((m) => m.contact).sort()).toEqual([
      phone(11),
      phone(12),
    ]);
  });

  it('a recipient who opts out while their send waits out the outage gets nothing: skipped', async () => {
    const clock = new ManualClock(T0);
    const server = await startSchedulingServer(fake, {
      clock,
      scheduler: { outageRetryMs: 500 },
    });
    servers.push(server);
    fake.failNext(RECIPIENTS.length * TRIES_PER_SEND, OUTAGE);
    const id = await schedule(server);

    const fired = server.scheduler!.tick();
    await deferred(server, id);
    await new ConversationStore(server.models, systemClock).setOptedOut(phone(2), OUR_NUMBER, true);
    await waitOut(clock, 500, fired);

    expect(sendsByRecipient(fake)).toEqual(
      new Map([
        [phone(1), 1],
        [phone(3), 1],
      ]),
    );
    const byPhone = new Map((await messagesOf(server, id)).map((m) => [m.contact, m.status]));
    expect(byPhone).toEqual(
      new Map([
        [phone(1), 'queued'],
        [phone(2), 'skipped'],
        [phone(3), 'queued'],
      ]),
    );
  });

  it('leaves the sends failed, with the error, once the fire is MISSED_GRACE late', async () => {
    // On the injected clock with a 3 s grace: tries at once, then 300, 600 and 1,200 ms later; the
    // next wait (2,400 ms) would end past the grace, so it gives up after exactly four passes. The
    // test moves the clock on each time the fire says it is waiting (its log line).
    const clock = new ManualClock(T0);
    const waits: number[] = [];
    const stream = new PassThrough();
    stream.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n').filter(Boolean)) {
        const event = JSON.parse(line) as { message: string; inMs?: number };
        if (event.message === 'Twilio failed some scheduled sends; trying them again later') {
          waits.push(event.inMs!);
          // The line is written as the fire starts to wait; the clock moves once it waits.
          setImmediate(() => clock.advance(event.inMs!));
        }
      }
    });
    const server = await startSchedulingServer(fake, {
      clock,
      env: { MISSED_GRACE: '3s' },
      scheduler: { outageRetryMs: 300 },
      logger: createLogger({ level: 'warn', format: 'json', stream }),
    });
    servers.push(server);
    fake.failNext(10_000, OUTAGE);
    const id = await schedule(server, T0);

    await waitFor(
      async () => (await admin(server.url).get(`/api/schedules/${id}`)).body.status === 'done',
      30_000,
      'the one-off to give up',
    );

    expect(delivered()).toHaveLength(0);
    expect(waits).toEqual([300, 600, 1200]);
    // Every pass tried every recipient (each send three times, the transport's retries).
    expect(fake.requests).toHaveLength(4 * RECIPIENTS.length * TRIES_PER_SEND);
    const records = await messagesOf(server, id);
    expect(records.map((r) => r.status)).toEqual(['failed', 'failed', 'failed']);
    for (const record of records) expect(record.errorMessage).toMatch(/503|unavailable/i);
  });

  it('a fire handed back during the outage is finished by the next instance without doubles', async () => {
    const uri = freshDatabaseUri('outage');
    const clock = new ManualClock(T0);
    // The first instance would wait a minute before trying again; it is stopped before that.
    const first = await startSchedulingServer(fake, {
      clock,
      env: { MONGODB_URI: uri },
      scheduler: { outageRetryMs: 60_000 },
    });
    fake.failNext(RECIPIENTS.length * TRIES_PER_SEND, OUTAGE);
    const id = await schedule(first);
    const ticked = first.scheduler!.tick(); // resolves when the fire is handed back
    await waitFor(
      () => fake.requests.length === RECIPIENTS.length * TRIES_PER_SEND,
      10_000,
      'the failed tries',
    );
    await deferred(first, id);
    await first.close(); // hands the fire back (keeps the database)
    await ticked;
    clock.advance(5_000); // past the lease, and past the allowance for clock skew

    const second = await startSchedulingServer(fake, { clock, env: { MONGODB_URI: uri } });
    servers.push(second);
    await waitFor(() => delivered().length === RECIPIENTS.length, 15_000, 'the resumed sends');
    await waitFor(
      async () =>
        (await scheduleRunModel(second.connection).findOne({ schedule: id }).lean<ScheduleRunDoc>())
          ?.status === 'done',
      5_000,
      'the resumed fire to finish',
    );

    expect(sendsByRecipient(fake)).toEqual(new Map(RECIPIENTS.map((p) => [p, 1])));
    const records = await messagesOf(second, id);
    expect(records).toHaveLength(RECIPIENTS.length);
    expect(records.every((r) => r.status === 'queued' && r.sid)).toBe(true);
  });

  it('a fire resumed after it is MISSED_GRACE late leaves its failed sends failed', async () => {
    const uri = freshDatabaseUri('outage');
    const clock = new ManualClock(T0);
    const env = { MONGODB_URI: uri, MISSED_GRACE: '30s' };
    // The first instance would try again in 20 s, within the grace; it is stopped before that.
    const first = await startSchedulingServer(fake, {
      clock,
      env,
      scheduler: { outageRetryMs: 20_000 },
    });
    fake.failNext(RECIPIENTS.length * TRIES_PER_SEND, OUTAGE);
    const id = await schedule(first);
    const ticked = first.scheduler!.tick();
    await deferred(first, id);
    // The first instance waits the outage out for 9 s, then stops. (Whenever it looks, its retry
    // 20 s on is within the grace, so it waits rather than giving the sends up itself.)
    clock.advance(9_000);
    await first.close();
    await ticked;
    // 26 s later another instance takes the fire over (it has not been abandoned for longer than
    // MISSED_GRACE) and Twilio is back, but the fire is 35 s late: its sends are left failed.
    clock.advance(26_000);

    const second = await startSchedulingServer(fake, { clock, env });
    servers.push(second);
    const runOf = () =>
      scheduleRunModel(second.connection).findOne({ schedule: id }).lean<ScheduleRunDoc>();
    await waitFor(async () => (await runOf())?.status === 'done', 10_000, 'the resumed fire');
    expect(await runOf()).toMatchObject({ takeovers: 1, owner: expect.not.stringMatching(/^$/) });

    expect(delivered()).toHaveLength(0);
    const records = await messagesOf(second, id);
    expect(records.map((r) => r.status)).toEqual(['failed', 'failed', 'failed']);
    for (const record of records) expect(record.errorMessage).toMatch(/503|unavailable/i);
  });
});
