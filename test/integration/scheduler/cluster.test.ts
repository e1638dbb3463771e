// Three real server processes sharing one database: a 1-second cron for ~10 s and a batch of
// one-offs, each slot and each one-off sent exactly once, counted at the fake Twilio.
import mongoose from 'mongoose';
import type { MessageDoc } from '../../../src/db/models/message';
import { bindModels } from '../../../src/db/models';
import { scheduleRunModel } from '../../../src/db/models/scheduleRun';
import { freshDatabaseUri } from '../../support/db';
import { startFakeTwilio, type FakeTwilio } from '../../support/fakeTwilio';
import { spawnServer, type ServerProcess } from '../../support/process';
import { admin, phone, processEnv, sendsByRecipient, sleep, waitFor } from './helpers';

jest.setTimeout(60_000);

describe('three instances sharing one database', () => {
  let fake: FakeTwilio;
  let procs: ServerProcess[] = [];
  let urls: string[] = [];
  const uri = freshDatabaseUri('cluster');

  beforeAll(async () => {
    fake = await startFakeTwilio();
    // No process dies here, so sends keep the default 30 s lease: with processEnv's 2 s (for the
    // crash tests), a process starved for 2 s on a loaded machine has its live attempt taken over,
    // and a takeover before Twilio lists the message may send it again (README, "No message in
    // limbo": the one case where a duplicate is still possible).
    procs = [0, 1, 2].map(() => spawnServer({ ...processEnv(fake, uri), SEND_LEASE: '30s' }));
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

    // Every one-off out, and eight cron slots or more (about 10 s), however slow the machine.
    await waitFor(
      () => {
        const sent = sendsByRecipient(fake);
        return oneOffs.every((to) => sent.has(to)) && (sent.get(phone(1)) ?? 0) >= 8;
      },
      40_000,
      'the one-offs and eight cron slots',
    );
    // Canceled through another instance than the one that created it.
    await admin(urls[1]).delete(`/api/schedules/${cron.body.id}`).expect(200);

    const conn = await mongoose.createConnection(uri).asPromise();
    try {
      // A fire claimed before the cancel finishes (its run leaves `running`); none starts after it.
      const Run = scheduleRunModel(conn);
      await waitFor(
        async () => (await Run.countDocuments({ schedule: cron.body.id, status: 'running' })) === 0,
        20_000,
        'the last cron fire to end',
      );
      const afterCancel = fake.requests.length;
      const sends = sendsByRecipient(fake);
      for (const to of oneOffs) expect(sends.get(to)).toBe(1);

      const { Message } = bindModels(conn);
      const cronMessages = await Message.find({ schedule: cron.body.id }).lean<MessageDoc[]>();
      const slots = cronMessages.map((m) => m.fireAt!.getTime()).sort((a, b) => a - b);
      expect(slots.length).toBeGreaterThanOrEqual(8);
      // Whole-second slots, each stored once, but not necessarily consecutive: node-cron skips a
      // slot that passed while an instance's event loop was blocked (the README: a recurring
      // schedule skips missed fires), and on a loaded 2-core machine all three can be at once.
      expect(slots.filter((t) => t % 1000 !== 0)).toEqual([]);
      expect(new Set(slots).size).toBe(slots.length);
      // The count that matters: Twilio got exactly one call per slot, whichever instance won it.
      // (The unique message key already makes a stored slot unique, so the store alone proves nothing.)
      expect(sends.get(phone(1))).toBe(slots.length);
      expect(afterCancel).toBe(oneOffs.length + slots.length);

      await sleep(1500);
      expect(fake.requests.length).toBe(afterCancel);
      expect(fake.requests.every((r) => r.status === 201)).toBe(true);
    } finally {
      await conn.close();
    }
  });
});
