// An instance killed with SIGKILL in the middle of a fan-out: another instance finishes the fire
// after the lease runs out; nobody gets the message twice, and the sends in flight become `unknown`.
import mongoose from 'mongoose';
import type { MessageDoc } from '../../../src/db/models/message';
import { bindModels } from '../../../src/db/models';
import { freshDatabaseUri } from '../../support/db';
import { startFakeTwilio, type FakeTwilio } from '../../support/fakeTwilio';
import { spawnServer, type ServerProcess } from '../../support/process';
import { OUR_NUMBER, admin, processEnv, sendsByRecipient, waitFor } from './helpers';

jest.setTimeout(60_000);

describe('an instance killed during a fan-out', () => {
  let fake: FakeTwilio;
  let procs: ServerProcess[] = [];
  let conn: mongoose.Connection;
  const uri = freshDatabaseUri('crash');

  beforeAll(async () => {
    fake = await startFakeTwilio();
    conn = await mongoose.createConnection(uri).asPromise();
  });
  afterAll(async () => {
    for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGTERM');
    await Promise.all(procs.map((p) => p.exited));
    await fake.close();
    await conn.dropDatabase().catch(() => undefined);
    await conn.close();
  });

  it('leaves no duplicate: the other instance reconciles its in-flight sends with Twilio and sends the rest', async () => {
    const { Thread, Message } = bindModels(conn);
    const contacts = Array.from(
      { length: 80 },
      (_, i) => `+1415555${String(i + 1).padStart(4, '0')}`,
    );
    await Thread.insertMany(
      contacts.map((contact) => ({ contact, number: OUR_NUMBER, tags: ['everyone'], vars: {} })),
    );

    procs = [spawnServer(processEnv(fake, uri)), spawnServer(processEnv(fake, uri))];
    const ports = await Promise.all(procs.map((p) => p.listening));
    fake.delayMs = 300; // ten calls in flight at any moment
    const created = await admin(`http://127.0.0.1:${ports[0]}`)
      .post('/api/schedules', {
        to: { tag: 'everyone' },
        body: 'Big news',
        sendAt: new Date().toISOString(),
      })
      .expect(201);
    const scheduleId = new mongoose.Types.ObjectId(String(created.body.id));
    const runs = conn.collection('schedule_runs');

    await waitFor(() => fake.requests.length >= 15, 20_000, 'the fan-out to start');
    const run = await runs.findOne({ schedule: scheduleId });
    const owner = String(run!.owner);
    // The owner is host:pid:random; the pid is the server's own (tsx runs it in a child process).
    const pid = Number(owner.split(':')[1]);
    const victim = procs.find((p) => p.output().includes(owner))!;
    expect(victim).toBeDefined();
    process.kill(pid, 'SIGKILL');
    await victim.exited;
    const sentBeforeKill = fake.requests.length;
    expect(sentBeforeKill).toBeLessThan(80);

    await waitFor(
      async () => (await runs.findOne({ schedule: scheduleId }))?.status === 'done',
      30_000,
      'the other instance to finish',
    );

    // The dead instance's sends in flight are resolved once their attempt's lease (2 s) is over:
    // by the resumed fire, or by the recovery pass.
    await waitFor(
      async () =>
        (await Message.countDocuments({
          schedule: scheduleId,
          status: { $in: ['sending', 'unknown'] },
        })) === 0,
      30_000,
      'the in-flight sends to be resolved',
    );
    const messages = await Message.find({ schedule: scheduleId }).lean<MessageDoc[]>();
    expect(messages).toHaveLength(80); // one record per recipient
    const sends = sendsByRecipient(fake);
    expect([...sends.values()].every((n) => n === 1)).toBe(true); // nobody twice
    // The sends in flight at the kill were reconciled with Twilio (found, so their SIDs were
    // adopted rather than sent again): every recipient reached once, every record with its SID.
    expect(sends.size).toBe(80);
    for (const m of messages) {
      expect(m).toMatchObject({ status: 'queued', sid: expect.stringMatching(/^SM/) });
      expect(sends.get(m.contact)).toBe(1);
    }
    expect(new Set(messages.map((m) => m.sid)).size).toBe(80);
    const finished = await runs.findOne({ schedule: scheduleId });
    expect(finished).toMatchObject({ status: 'done', takeovers: 1 });
    expect(finished!.owner).not.toBe(owner);
  });
});
