// Recurring schedules on one instance, with real time and real node-cron tasks.
import type { MessageDoc } from '../../../src/db/models/message';
import { startFakeTwilio, type FakeTwilio } from '../../support/fakeTwilio';
import type { TestServer } from '../../support/server';
import { admin, phone, sendsByRecipient, sleep, startSchedulingServer, waitFor } from './helpers';

describe('recurring schedules', () => {
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

  it('a 6-field cron ("* * * * * *") fires each slot at most once, to each recipient once, and a cancel stops it', async () => {
    const api = admin(server.url);
    const created = await api
      .post('/api/schedules', { to: [phone(1), phone(2)], body: 'tick', cron: '* * * * * *' })
      .expect(201);
    // Three fires or more (two calls each), however long the machine takes to get there.
    await waitFor(() => fake.requests.length >= 6, 20_000, 'three fires');
    await api.delete(`/api/schedules/${created.body.id}`).expect(200);
    await sleep(300); // a fire claimed just before the cancel finishes its (tiny) fan-out
    await server.scheduler!.idle();
    const count = fake.requests.length;

    const messages = await server.models.Message.find({ schedule: created.body.id }).lean<
      MessageDoc[]
    >();
    const slots = [...new Set(messages.map((m) => m.fireAt!.getTime()))].sort((a, b) => a - b);
    expect(slots.length).toBeGreaterThanOrEqual(3);
    // Whole-second slots, but not necessarily consecutive: node-cron skips a slot that passed
    // while the event loop was blocked (the README: a recurring schedule skips missed fires),
    // and a loaded CI machine can block it for over a second. What must hold is exactly-once.
    expect(slots.filter((t) => t % 1000 !== 0)).toEqual([]);
    // Each slot to each recipient exactly once, stored and at Twilio alike.
    const perSlot = slots.map((t) =>
      messages
        .filter((m) => m.fireAt!.getTime() === t)
        .map((m) => m.contact)
        .sort(),
    );
    expect(perSlot).toEqual(slots.map(() => [phone(1), phone(2)]));
    expect(count).toBe(slots.length * 2);
    expect(sendsByRecipient(fake)).toEqual(
      new Map([
        [phone(1), slots.length],
        [phone(2), slots.length],
      ]),
    );
    // One run per slot that sent, done. A fire that started as the cancel landed may have seen
    // it before its first call: that run is canceled and sent nothing.
    const detail = await api.get(`/api/schedules/${created.body.id}`).expect(200);
    const runs = (detail.body.runs as { fireAt: string; status: string }[])
      .map((r) => [new Date(r.fireAt).getTime(), r.status])
      .sort(([a], [b]) => Number(a) - Number(b));
    const last = slots[slots.length - 1];
    expect(runs.filter(([t]) => Number(t) <= last)).toEqual(slots.map((t) => [t, 'done']));
    const afterLast = runs.filter(([t]) => Number(t) > last);
    expect(afterLast).toEqual(afterLast.map(([t]) => [t, 'canceled']));
    // Stored by the fires: the last slot sent, and no next fire once canceled.
    expect(detail.body).toMatchObject({
      status: 'canceled',
      lastRunAt: new Date(last).toISOString(),
      nextRunAt: null,
    });

    await sleep(1500);
    expect(fake.requests.length).toBe(count);
  });

  it('a change of cron on the API takes effect on the next slot', async () => {
    const api = admin(server.url);
    const created = await api
      .post('/api/schedules', { to: phone(3), body: 'slow', cron: '0 0 1 1 *' })
      .expect(201);
    fake.reset();
    await sleep(1200);
    expect(fake.requests).toHaveLength(0);
    const changed = await api
      .patch(`/api/schedules/${created.body.id}`, { cron: '* * * * * *' })
      .expect(200);
    expect(new Date(changed.body.nextRunAt).getTime() - Date.now()).toBeLessThanOrEqual(1000);
    await sleep(2200);
    await api.patch(`/api/schedules/${created.body.id}`, { enabled: false }).expect(200);
    await sleep(300);
    expect(fake.requests.length).toBeGreaterThanOrEqual(1);
    const paused = fake.requests.length;
    await sleep(1200);
    expect(fake.requests.length).toBe(paused);
  });

  // The fire path writes the schedule document (lastRunAt, nextRunAt): none of those writes may
  // undo a cancel that lands between a fire's read and its write. (30 schedules firing every
  // second: on a loaded machine the work takes longer than jest's default 30 s.)
  it('cancels that land while the same schedules fire all hold: canceled, nothing more sent', async () => {
    const api = admin(server.url);
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) {
      const created = await api
        .post('/api/schedules', { to: phone(1 + (i % 50)), body: `tick ${i}`, cron: '* * * * * *' })
        .expect(201);
      ids.push(created.body.id as string);
    }
    await sleep(2600);
    // All at once, while the fires of this second are finishing.
    await Promise.all(ids.map((id) => api.delete(`/api/schedules/${id}`).expect(200)));
    await server.scheduler!.idle();
    await sleep(300);

    const statuses = await Promise.all(
      ids.map(async (id) => (await api.get(`/api/schedules/${id}`).expect(200)).body.status),
    );
    expect(statuses).toEqual(ids.map(() => 'canceled'));
    const sent = fake.requests.length;
    await sleep(2200);
    expect(fake.requests.length).toBe(sent);
  }, 120_000);
});
