// Three real server processes sharing one database: a 1-second cron for 10 s and a batch of
// one-offs, each slot and each one-off sent exactly once, counted at the fake Twilio.
import mongoose from 'mongoose';
import type { MessageDoc } from '../../../src/db/models/message';
import { bindModels } from '../../../src/db/models';
import { freshDatabaseUri } from '../../support/db';
import { startFakeTwilio, type FakeTwilio } from '../../support/fakeTwilio';
import { spawnServer, type ServerProcess } from '../../support/process';
import { admin, phone, processEnv, sendsByRecipient, sleep } from './helpers';

jest.setTimeout(60_000);

describe('three instances sharing one database', () => {
  let fake: FakeTwilio;
  let procs: ServerProcess[] = [];
  let urls: string[] = [];
  const uri = freshDatabaseUri('cluster');

  beforeAll(async () => {
    fake = await startFakeTwilio();
    procs = [0, 1, 2].map(() => spawnServer(processEnv(fake, uri)));
    urls = (await Promise.all(procs.map((p) => p.listening))).map(
      (port) => `http://127.0.0.1:${port}`,
    );
  });
  afterAll(async () => {
    for (const p of procs) p.child.kill('SIGTERM');
    await Promise.all(procs.map((p) => p.exited));
    await fake.close();
    const conn = await mongoose.createConnection(uri).asPromise();
    await conn.dropDatabase().catch(() => undefined);
    await conn.close();
  });

  it('sends each cron slot and each one-off exactly once', async () => {
    const cron = await admin(urls[0])
      .post('/api/schedules', { to: phone(1), body: 'every second', cron: '* * * * * *' })
      .expect(201);
    // 30 one-offs due together in 2 s, created through all three instances.
    const due = new Date(Date.now() + 2000).toISOString();
    const oneOffs = Array.from({ length: 30 }, (_, i) => phone(10 + i));
    await Promise.all(
      oneOffs.map((to, i) =>
        admin(urls[i % 3])
          .post('/api/schedules', { to, body: 'once', sendAt: due })
          .expect(201),
      ),
    );

    await sleep(10_000);
    // Canceled through another instance than the one that created it.
    await admin(urls[1]).delete(`/api/schedules/${cron.body.id}`).expect(200);
    await sleep(1500);
    const afterCancel = fake.requests.length;

    const sends = sendsByRecipient(fake);
    for (const to of oneOffs) expect(sends.get(to)).toBe(1);

    const conn = await mongoose.createConnection(uri).asPromise();
    try {
      const { Message } = bindModels(conn);
      const cronMessages = await Message.find({ schedule: cron.body.id }).lean<MessageDoc[]>();
      const slots = cronMessages.map((m) => m.fireAt!.getTime()).sort((a, b) => a - b);
      expect(slots.length).toBeGreaterThanOrEqual(8); // ~10 s of slots
      expect(slots.every((t, i) => i === 0 || t - slots[i - 1] === 1000)).toBe(true); // none left out
      // The count that matters: Twilio got exactly one call per slot, whichever instance won it.
      // (The unique message key already makes a stored slot unique, so the store alone proves nothing.)
      expect(sends.get(phone(1))).toBe(slots.length);
    } finally {
      await conn.close();
    }

    await sleep(1500);
    expect(fake.requests.length).toBe(afterCancel);
    expect(fake.requests.every((r) => r.status === 201)).toBe(true);
  });
});
