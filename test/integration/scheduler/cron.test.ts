// Recurring schedules on one instance, their slots fired from the injected clock (ClockCronDriver
// in place of node-cron's timers), so each test knows exactly which slots passed however loaded the
// machine is. Real node-cron, in real seconds, is exercised by instances.test.ts and pause.test.ts.
import { ManualClock } from '../../../src/clock';
import type { MessageDoc } from '../../../src/db/models/message';
import { ClockCronDriver } from '../../support/cronClock';
import { startFakeTwilio, type FakeTwilio } from '../../support/fakeTwilio';
import type { TestServer } from '../../support/server';
import { admin, phone, sendsByRecipient, startSchedulingServer, waitFor } from './helpers';

const START = new Date('2030-03-01T12:00:00.000Z');
const at = (seconds: number) => new Date(START.getTime() + seconds * 1000).toISOString();

describe('recurring schedules', () => {
  let fake: FakeTwilio;
  let server: TestServer;
  const clock = new ManualClock(START);
  const cron = new ClockCronDriver(clock);
  /** Until the scheduler has armed exactly these expressions (a change arrives by a refresh). */
  const armed = (...patterns: string[]) =>
    waitFor(
      () => JSON.stringify(cron.patterns.sort()) === JSON.stringify(patterns.sort()),
      10_000,
      `armed: ${patterns.join(', ') || 'nothing'}`,
    );

  beforeAll(async () => {
    fake = await startFakeTwilio();
    server = await startSchedulingServer(fake, { clock, scheduler: { cronDriver: cron } });
  });
  afterAll(async () => {
    await server.stop();
    await fake.close();
  });

  it('a 6-field cron ("* * * * * *") fires each slot once, to each recipient once, and a cancel stops it', async () => {
    const api = admin(server.url);
    const created = await api
      .post('/api/schedules', { to: [phone(1), phone(2)], body: 'tick', cron: '* * * * * *' })
      .expect(201);
    const id = created.body.id as string;
    expect(created.body.nextRunAt).toBe(at(1));
    await armed('* * * * * *');

    expect((await cron.advance(3000)).map((d) => d.toISOString())).toEqual([at(1), at(2), at(3)]);
    await server.scheduler!.idle();

    // Each slot to each recipient exactly once, stored and at Twilio alike.
    const messages = await server.models.Message.find({ schedule: id }).lean<MessageDoc[]>();
    const perSlot = new Map<string, string[]>();
    for (const m of messages)
      perSlot.set(m.fireAt!.toISOString(), [
        ...(perSlot.get(m.fireAt!.toISOString()) ?? []),
        m.contact,
      ]);
    expect([...perSlot.entries()].map(([t, to]) => [t, to.sort()]).sort()).toEqual([
      [at(1), [phone(1), phone(2)]],
      [at(2), [phone(1), phone(2)]],
      [at(3), [phone(1), phone(2)]],
    ]);
    expect(sendsByRecipient(fake)).toEqual(
      new Map([
        [phone(1), 3],
        [phone(2), 3],
      ]),
    );
    const running = await api.get(`/api/schedules/${id}`).expect(200);
    expect(running.body).toMatchObject({ status: 'active', lastRunAt: at(3), nextRunAt: at(4) });
    expect(
      (running.body.runs as { fireAt: string; status: string }[])
        .map((r) => [r.fireAt, r.status])
        .sort(),
    ).toEqual([
      [at(1), 'done'],
      [at(2), 'done'],
      [at(3), 'done'],
    ]);

    // Canceled: the next slots pass and nothing is claimed or sent.
    await api.delete(`/api/schedules/${id}`).expect(200);
    expect(await cron.advance(3000)).toEqual([]);
    await server.scheduler!.idle();
    expect(fake.requests).toHaveLength(6);
    const canceled = await api.get(`/api/schedules/${id}`).expect(200);
    expect(canceled.body).toMatchObject({ status: 'canceled', lastRunAt: at(3), nextRunAt: null });
    expect(canceled.body.runs).toHaveLength(3);
    await armed();
  });

  it('a change of cron on the API takes effect on the next slot, and a pause stops it', async () => {
    fake.reset();
    const api = admin(server.url);
    const created = await api
      .post('/api/schedules', { to: phone(3), body: 'slow', cron: '0 0 1 1 *' })
      .expect(201);
    const id = created.body.id as string;
    await armed('0 0 1 1 *');
    expect(await cron.advance(2000)).toEqual([]);

    const now = clock.now().getTime();
    const changed = await api.patch(`/api/schedules/${id}`, { cron: '* * * * * *' }).expect(200);
    expect(changed.body.nextRunAt).toBe(new Date(now + 1000).toISOString());
    await armed('* * * * * *');
    expect(await cron.advance(2000)).toHaveLength(2);
    await server.scheduler!.idle();
    expect(fake.requests.map((r) => [r.to, r.body])).toEqual([
      [phone(3), 'slow'],
      [phone(3), 'slow'],
    ]);

    await api.patch(`/api/schedules/${id}`, { enabled: false }).expect(200);
    expect(await cron.advance(2000)).toEqual([]);
    await server.scheduler!.idle();
    expect(fake.requests).toHaveLength(2);
    await armed();
  });

  // The fire path writes the schedule document (lastRunAt, nextRunAt): none of those writes may
  // undo a cancel that lands between a fire's read and its write. Twilio holds its answers, so the
  // cancels land while the fires of one slot are known to be under way.
  it('cancels that land while the same schedules fire all hold: canceled, nothing more sent', async () => {
    fake.reset();
    const api = admin(server.url);
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) {
      const created = await api
        .post('/api/schedules', { to: phone(10 + i), body: `tick ${i}`, cron: '* * * * * *' })
        .expect(201);
      ids.push(created.body.id as string);
    }
    await armed(...ids.map(() => '* * * * * *'));

    fake.hold();
    expect(await cron.advance(1000)).toHaveLength(30);
    const inFlight = server.scheduler!.options.sendConcurrency;
    await fake.untilHeld(inFlight, 20_000);
    // All at once, while the fires of this slot are under way.
    await Promise.all(ids.map((id) => api.delete(`/api/schedules/${id}`).expect(200)));
    fake.release();
    await server.scheduler!.idle();

    const details = await Promise.all(
      ids.map(async (id) => (await api.get(`/api/schedules/${id}`).expect(200)).body),
    );
    expect(details.map((d) => d.status)).toEqual(ids.map(() => 'canceled'));
    // Each fire either reached its one recipient before the cancel (done) or sent nothing.
    const runs = details.map((d) => (d.runs as { status: string }[]).map((r) => r.status));
    expect(runs.filter((r) => r.length !== 1 || !['done', 'canceled'].includes(r[0]))).toEqual([]);
    const done = runs.filter(([status]) => status === 'done').length;
    expect(done).toBeGreaterThanOrEqual(inFlight);
    expect(fake.requests).toHaveLength(done);

    expect(await cron.advance(3000)).toEqual([]);
    await server.scheduler!.idle();
    expect(fake.requests).toHaveLength(done);
    await armed();
  });
});
