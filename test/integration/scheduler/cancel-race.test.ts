// Cancels that land while fires of the same schedules are finishing: every cancel holds. (On the
// embedded FerretDB an update is read-modify-write, so any write the fire path made to the schedule
// document could undo a cancel that landed between its read and its write.)
import { startFakeTwilio, type FakeTwilio } from '../../support/fakeTwilio';
import type { TestServer } from '../../support/server';
import { admin, phone, sleep, startSchedulingServer } from './helpers';

jest.setTimeout(30_000);
const SCHEDULES = 30;

describe('canceling recurring schedules while they fire', () => {
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

  it('every canceled schedule stays canceled and sends nothing more', async () => {
    const api = admin(server.url);
    const ids: string[] = [];
    for (let i = 0; i < SCHEDULES; i++) {
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
