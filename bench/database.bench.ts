// What one database operation costs as a collection grows: find, update and insert by `_id`, the
// three operations of the webhook's hot path. The same-run baseline is the smallest collection.
// On MongoDB every row stays flat (the `_id` index serves all three). On the embedded FerretDB v1
// the update grows with the collection: see docs/benchmarks.md for why.
// Then what the same operations cost the *server's* CPU (the mongoose and driver side, whatever
// the database), against the driver's cheapest round trip, a ping, in the same run.
// Run: npx tsx bench/database.bench.ts
import mongoose, { type Connection } from 'mongoose';
import { bindModels } from '../src/db/models';
import { benchDatabase } from './support/environment';

const SIZES = [100, 2_000, 20_000];
const ROUNDS = 40;

async function msPerOp(rounds: number, op: (i: number) => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint();
  for (let i = 0; i < rounds; i++) await op(i);
  return Number(process.hrtime.bigint() - started) / 1e6 / rounds;
}

export async function runDatabaseBench(): Promise<void> {
  const db = await benchDatabase();
  const connection = await mongoose.createConnection(db.uri(`bench_db_${Date.now()}`)).asPromise();
  try {
    console.log(`database operations by collection size; database: ${db.label}`);
    // Thread-sized documents with string ids, as src/db/ids.ts derives them.
    const threads = connection.collection<{ _id: string }>('threads');
    const doc = (i: number) => ({
      _id: `t${i}`,
      contact: `+1415555${String(i).padStart(6, '0')}`,
      number: '+14155550100',
      state: null,
      vars: { name: 'Ada' },
      tags: ['new'],
      inboundCount: 1,
      messageCount: 2,
      lastMessageAt: new Date(),
    });
    let have = 0;
    let inserted = 0;
    const rows: { size: number; find: number; update: number; insert: number }[] = [];
    for (const size of SIZES) {
      for (; have < size; have += 1000) {
        const batch = [];
        for (let i = have; i < Math.min(size, have + 1000); i++) batch.push(doc(i));
        await threads.insertMany(batch);
      }
      have = size;
      // Ids spread over the whole collection, so a scan cannot stop early by luck.
      const id = (i: number) => `t${Math.floor(((i + 0.5) / ROUNDS) * size)}`;
      rows.push({
        size,
        find: await msPerOp(ROUNDS, (i) => threads.findOne({ _id: id(i) })),
        update: await msPerOp(ROUNDS, (i) =>
          threads.updateOne(
            { _id: id(i) },
            { $set: { lastMessageAt: new Date() }, $inc: { inboundCount: 1 } },
          ),
        ),
        insert: await msPerOp(ROUNDS, () => threads.insertOne(doc(1_000_000 + inserted++))),
      });
    }
    const base = rows[0];
    const cell = (ms: number, baseline: number) =>
      `${ms.toFixed(2).padStart(7)} ms (×${(ms / baseline).toFixed(1)})`.padEnd(22);
    console.log(
      `${'documents'.padEnd(10)} ${'findOne by _id'.padEnd(22)} ${'updateOne by _id'.padEnd(22)} insertOne`,
    );
    for (const r of rows) {
      console.log(
        `${r.size.toLocaleString('en-US').padEnd(10)} ${cell(r.find, base.find)} ${cell(r.update, base.update)} ${cell(r.insert, base.insert)}`,
      );
    }
    console.log(`(×N: compared with the same operation on ${base.size} documents in this run)`);
    // A database of its own: the hot path's collections are small, as the server CPU is the point.
    const small = await mongoose.createConnection(db.uri(`bench_client_${Date.now()}`)).asPromise();
    try {
      await clientCpu(small);
    } finally {
      await small.close();
    }
  } finally {
    await connection.close();
    await db.stop();
  }
}

/** Server CPU (user + system) per operation, in ms, after a warm-up. */
async function cpuPerOp(rounds: number, op: (i: number) => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 300; i++) await op(-1 - i);
  const started = process.cpuUsage();
  for (let i = 0; i < rounds; i++) await op(i);
  const used = process.cpuUsage(started);
  return (used.user + used.system) / 1000 / rounds;
}

/** The hot path's three calls as the webhook makes them (src/conversations/inbound.ts). */
export async function clientCpu(connection: Connection): Promise<void> {
  const models = bindModels(connection);
  const run = Date.now();
  const thread = `bench-thread-${run}`;
  await models.Thread.create({ _id: thread, contact: '+14155550001', number: '+14155550100' });
  const messages = (i: number) => {
    const at = new Date();
    return [
      {
        _id: `in-${run}-${i}`,
        key: `in:${run}:${i}`,
        thread,
        direction: 'inbound',
        contact: '+14155550001',
        number: '+14155550100',
        body: 'hours',
        sid: `SM${run}${i}`,
        status: 'received',
        rule: 'hours',
        replyTwiml: '<Response><Message>We are open 7am-7pm.</Message></Response>',
        seq: 1,
        createdAt: at,
      },
      {
        _id: `reply-${run}-${i}`,
        key: `reply:${run}:${i}:0`,
        thread,
        direction: 'outbound',
        contact: '+14155550001',
        number: '+14155550100',
        body: 'We are open 7am-7pm.',
        status: 'twiml',
        rule: 'hours',
        createdAt: new Date(at.getTime() + 1),
      },
    ];
  };
  const rounds = 1000;
  const ping = await cpuPerOp(rounds, () => connection.db!.command({ ping: 1 }));
  const rows: [string, number][] = [
    ['driver: ping (baseline)', ping],
    [
      'Thread.findById().lean()',
      await cpuPerOp(rounds, () => models.Thread.findById(thread).lean()),
    ],
    [
      'Message.insertMany([message, reply])',
      await cpuPerOp(rounds, (i) => models.Message.insertMany(messages(i), { ordered: true })),
    ],
    [
      'Thread.updateOne({_id}, {$set, $inc})',
      await cpuPerOp(rounds, () =>
        models.Thread.updateOne(
          { _id: thread },
          { $set: { lastMessageAt: new Date() }, $inc: { inboundCount: 1, messageCount: 2 } },
        ),
      ),
    ],
  ];
  console.log(`\nserver CPU per operation (mongoose + driver; ${rounds} each)`);
  for (const [name, ms] of rows)
    console.log(`${name.padEnd(40)} ${ms.toFixed(3).padStart(7)} ms (×${(ms / ping).toFixed(1)})`);
  const hotPath = rows.slice(1).reduce((sum, [, ms]) => sum + ms, 0);
  console.log(
    `${'the three together (one webhook message)'.padEnd(40)} ${hotPath.toFixed(3).padStart(7)} ms`,
  );
}

if (require.main === module) {
  runDatabaseBench().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
