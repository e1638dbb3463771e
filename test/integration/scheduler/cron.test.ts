// Recurring schedules on one instance, with real time and real node-cron tasks.
import type { MessageDoc } from '../../../src/db/models/message';
import { startFakeTwilio, type FakeTwilio } from '../../support/fakeTwilio';
import type { TestServer } from '../../support/server';
import { admin, phone, sleep, startSchedulingServer } from './helpers';

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

  it('a 6-field cron ("* * * * * *") fires in every slot exactly once, and a cancel stops it', async () => {
    const api = admin(server.url);
    const created = await api
      .post('/api/schedules', { to: [phone(1), phone(2)], body: 'tick', cron: '* * * * * *' })
      .expect(201);
    await sleep(3500);
    await api.delete(`/api/schedules/${created.body.id}`).expect(200);
    await sleep(300); // a fire claimed just before the cancel finishes its (tiny) fan-out
    const count = fake.requests.length;

    const messages = await server.models.Message.find({ schedule: created.body.id }).lean<
      MessageDoc[]
    >();
    const slots = [...new Set(messages.map((m) => m.fireAt!.getTime()))].sort((a, b) => a - b);
    expect(slots.length).toBeGreaterThanOrEqual(3);
    // Every slot between the first and the last, each a whole second, each to both recipients once.
    expect(slots.every((t, i) => t % 1000 === 0 && (i === 0 || t - slots[i - 1] === 1000))).toBe(
      true,
    );
    expect(messages).toHaveLength(slots.length * 2);
    expect(count).toBe(slots.length * 2);
    const detail = await api.get(`/api/schedules/${created.body.id}`).expect(200);
    expect(detail.body.runs.map((r: { status: string }) => r.status)).toEqual(
      slots.map(() => 'done'),
    );
    // Read from its runs and its status, not stored by the fires.
    expect(detail.body).toMatchObject({
      status: 'canceled',
      lastRunAt: new Date(slots[slots.length - 1]).toISOString(),
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

  // On the embedded FerretDB an update is read-modify-write, so any write the fire path made to
  // the schedule document could undo a cancel that landed between its read and its write.
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
  });
});
