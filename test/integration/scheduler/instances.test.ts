// Instances learn what another instance did: an API-only instance (SCHEDULER=off) takes the
// changes, a scheduler instance on the same database sends. Real node-cron, real seconds.
import type { MessageDoc } from '../../../src/db/models/message';
import { freshDatabaseUri } from '../../support/db';
import { startFakeTwilio, type FakeTwilio } from '../../support/fakeTwilio';
import { startTestServer, type TestServer } from '../../support/server';
import { admin, phone, sleep, startSchedulingServer, twilioEnv, waitFor } from './helpers';

jest.setTimeout(30_000);

// A change reaches B within a poll (about a second); the margin is for a full test run on two
// cores, where the suite in the other jest worker can starve this one for seconds.
const PICKUP_MS = 20_000;

describe('a schedule changed on one instance, sent by another', () => {
  let fake: FakeTwilio;
  let uri: string;
  let apiOnly: TestServer;
  let sender: TestServer | null = null;

  beforeEach(async () => {
    fake = await startFakeTwilio();
    uri = freshDatabaseUri('instances');
    apiOnly = await startTestServer({ ...twilioEnv(fake.url, fake), MONGODB_URI: uri });
    expect(apiOnly.scheduler).toBeNull();
  });
  afterEach(async () => {
    await sender?.close();
    sender = null;
    await apiOnly.stop(); // drops the shared database
    await fake.close();
  });

  const startSender = async () => {
    sender = await startSchedulingServer(fake, { env: { MONGODB_URI: uri } });
    return sender;
  };
  const bodiesSent = () => fake.requests.filter((r) => r.status === 201).map((r) => r.body);

  it('picks up a cron schedule created, changed and canceled on the API-only instance', async () => {
    const b = await startSender();
    const api = admin(apiOnly.url);
    expect(b.scheduler!.armedCronTasks).toBe(0);

    // Created on A: B arms a task and sends within ~3 s.
    const created = await api
      .post('/api/schedules', { to: phone(1), body: 'first', cron: '* * * * * *' })
      .expect(201);
    const id = created.body.id as string;
    await waitFor(() => bodiesSent().includes('first'), PICKUP_MS, 'B to send the new schedule');
    expect(b.scheduler!.armedCronTasks).toBe(1);

    // Body changed on A: the next fires on B carry it.
    await api.patch(`/api/schedules/${id}`, { body: 'second' }).expect(200);
    await waitFor(() => bodiesSent().includes('second'), PICKUP_MS, 'B to send the new body');

    // Cron changed on A to even seconds only: B rebuilds its task and follows it.
    await api.patch(`/api/schedules/${id}`, { cron: '*/2 * * * * *', body: 'third' }).expect(200);
    await waitFor(() => bodiesSent().includes('third'), PICKUP_MS, 'B to send on the new cron');
    const thirds = () =>
      b.models.Message.find({ schedule: id, body: 'third' }).lean<MessageDoc[]>();
    await waitFor(
      async () => (await thirds()).length >= 2,
      PICKUP_MS,
      'a second fire on the new cron',
    );
    const third = await thirds();
    expect(third.map((m) => (m.fireAt!.getTime() / 1000) % 2)).toEqual(third.map(() => 0));
    expect(b.scheduler!.armedCronTasks).toBe(1);

    // Canceled on A: B stops the task itself (not merely refuses its slots), and nothing more goes out.
    await api.delete(`/api/schedules/${id}`).expect(200);
    await waitFor(() => b.scheduler!.armedCronTasks === 0, PICKUP_MS, 'B to stop the task');
    await b.scheduler!.idle(); // a fire claimed just before the cancel finishes
    const sent = fake.requests.length;
    await sleep(1200); // a slot passes (real node-cron, real seconds): nothing more goes out
    expect(fake.requests.length).toBe(sent);
  }, 120_000);

  it('a recurring schedule stored while no scheduler ran skips the missed slots', async () => {
    const created = await admin(apiOnly.url)
      .post('/api/schedules', { to: phone(2), body: 'tick', cron: '* * * * * *' })
      .expect(201);
    await sleep(2000); // slots pass with no instance to send them

    const startedAt = Date.now();
    const b = await startSender();
    // However long the start takes here: what matters is that no fire is from before it.
    await waitFor(() => fake.requests.length >= 2, PICKUP_MS, 'the first fires after start');
    await b.scheduler!.idle();

    const messages = await b.models.Message.find({ schedule: created.body.id }).lean<
      MessageDoc[]
    >();
    const fires = messages.map((m) => m.fireAt!.getTime());
    // No back-filled burst: every fire is a slot at or after the instance started.
    expect(fires.filter((t) => t < startedAt)).toEqual([]);
  });
});
