// What one database operation costs as a collection grows, on FerretDB v1.24.2 as released (the
// same-run baseline) and on our patched build (src/db/ferretdb-patches), both running side by
// side, each on a temporary folder of its own. Operations are the hot path's (find and update a
// thread by `_id`), a conditional findOneAndUpdate (`{_id, state}`, the shape of a guarded
// update), a find by an indexed string field (a message by `sid`, as status callbacks do), the
// scheduler's read of the due one-offs (every document a due one-off), and an insert. Documents
// are shaped like the app's threads, messages and schedules, with ids derived as src/db/ids.ts
// does. Driver: the one mongoose bundles.
// Run: BENCH_ONLY=database npm run bench   (or: npx tsx bench/database.bench.ts)
import mongoose from 'mongoose';
import { messageIdFor, threadIdFor } from '../src/db/ids';
import { startFerretdb, type BenchDatabase, type FerretdbBuild } from './support/environment';

type Db = mongoose.mongo.Db;

const SIZES = [100, 2_000, 20_000];
const ROUNDS = Number(process.env.BENCH_DB_ROUNDS ?? 40);
const BUDGET_MS = 10_000;
const BUILDS: FerretdbBuild[] = ['stock', 'patched'];
const NUMBER = '+14155550100';
const contact = (i: number) => `+1415${String(2_000_000 + i)}`;
const sidOf = (i: number) => `SM${i.toString(16).padStart(32, '0')}`;

function thread(i: number, now: Date) {
  return {
    _id: threadIdFor(contact(i), NUMBER),
    contact: contact(i),
    number: NUMBER,
    state: 'awaiting_name',
    vars: { booking: 'book a table' },
    tags: ['new'],
    optedOut: false,
    optedOutAt: null,
    firstMessageAt: now,
    lastMessageAt: now,
    lastInbound: `in:${sidOf(i)}`,
    inboundCount: 1,
    messageCount: 2,
    createdAt: now,
    updatedAt: now,
  };
}

function message(i: number, now: Date) {
  const key = `in:${sidOf(i)}`;
  return {
    _id: messageIdFor(key),
    key,
    thread: threadIdFor(contact(i), NUMBER),
    direction: 'inbound',
    contact: contact(i),
    number: NUMBER,
    body: 'book a table',
    media: [],
    sid: sidOf(i),
    status: 'received',
    rule: 'book',
    replyTwiml: '<Response><Message>What name is the booking under?</Message></Response>',
    seq: 1,
    createdAt: now,
    updatedAt: now,
  };
}

/** A one-off schedule, due a minute ago, as the admin API stores one. */
function schedule(i: number, due: Date) {
  return {
    _id: new mongoose.Types.ObjectId(),
    name: null,
    to: [contact(i)],
    body: `One-off ${i}`,
    sendAt: due,
    nextRunAt: due,
    cron: null,
    timezone: 'UTC',
    status: 'active',
    enabled: true,
    revision: 0,
    createdAt: due,
    updatedAt: due,
  };
}

const threads = (db: Db) => db.collection<ReturnType<typeof thread>>('threads');
const messages = (db: Db) => db.collection<ReturnType<typeof message>>('messages');
const schedules = (db: Db) => db.collection<ReturnType<typeof schedule>>('schedules');

/** Grows the three collections to `size` documents each, 1,000 per insertMany. */
async function growTo(db: Db, from: number, size: number): Promise<void> {
  const now = new Date();
  for (let start = from; start < size; start += 1000) {
    const end = Math.min(size, start + 1000);
    const range = Array.from({ length: end - start }, (_, k) => start + k);
    await threads(db).insertMany(range.map((i) => thread(i, now)));
    await messages(db).insertMany(range.map((i) => message(i, now)));
    const due = new Date(now.getTime() - 60_000);
    await schedules(db).insertMany(range.map((i) => schedule(i, due)));
  }
}

const OPERATIONS: { name: string; run: (db: Db, i: number) => Promise<unknown> }[] = [
  {
    name: 'findOne {_id}',
    run: (db, i) => threads(db).findOne({ _id: threadIdFor(contact(i), NUMBER) }),
  },
  {
    name: 'updateOne {_id} $set $inc',
    run: (db, i) =>
      threads(db).updateOne(
        { _id: threadIdFor(contact(i), NUMBER) },
        { $set: { lastMessageAt: new Date() }, $inc: { inboundCount: 1 } },
      ),
  },
  {
    name: 'findOneAndUpdate {_id, state}',
    run: (db, i) =>
      threads(db).findOneAndUpdate(
        { _id: threadIdFor(contact(i), NUMBER), state: 'awaiting_name' },
        { $set: { state: 'awaiting_name', updatedAt: new Date() } },
        { returnDocument: 'after' },
      ),
  },
  {
    name: 'findOne {sid} (indexed)',
    run: (db, i) => messages(db).findOne({ sid: sidOf(i) }),
  },
  {
    // The scheduler's read of the due one-offs (src/scheduler/oneOff.ts, claimDue), which it
    // then claims one by one by `_id`; here every document is a due one-off.
    name: 'list 20 due one-offs',
    run: (db) =>
      schedules(db)
        .find(
          { status: 'active', cron: null, nextRunAt: { $lte: new Date(), $gte: new Date(0) } },
          { projection: { _id: 1 } },
        )
        .sort({ nextRunAt: 1 })
        .limit(20)
        .toArray(),
  },
];

/** A new thread per call, numbered past the grown collection's. */
let inserted = 10_000_000;
const INSERT = {
  name: 'insertOne (thread)',
  run: (db: Db) => threads(db).insertOne(thread(inserted++, new Date())),
};

/**
 * Mean ms per call, one at a time, after a warm-up: ROUNDS calls, or fewer once BUDGET_MS is spent
 * (the stock build's scans take seconds each at 20,000 documents). Ids in a stride over the whole
 * collection, so a scan cannot stop early by luck.
 */
async function msPerCall(db: Db, size: number, run: (db: Db, i: number) => Promise<unknown>) {
  const at = (k: number) => (k * 7919 + 13) % size;
  for (let k = 0; k < 3; k++) await run(db, at(ROUNDS + k));
  const started = process.hrtime.bigint();
  const elapsedMs = () => Number(process.hrtime.bigint() - started) / 1e6;
  let calls = 0;
  while (calls < ROUNDS && (calls < 5 || elapsedMs() < BUDGET_MS)) await run(db, at(calls++));
  return elapsedMs() / calls;
}

export async function runDatabaseBench(): Promise<void> {
  const servers: Partial<Record<FerretdbBuild, BenchDatabase>> = {};
  const clients: mongoose.mongo.MongoClient[] = [];
  try {
    const dbs = {} as Record<FerretdbBuild, Db>;
    for (const build of BUILDS) {
      const server = (servers[build] = await startFerretdb(build));
      const client = await new mongoose.mongo.MongoClient(server.uri('bench_database')).connect();
      clients.push(client);
      dbs[build] = client.db();
      // As the app's models declare them (src/db/models/message.ts, schedule.ts).
      await messages(dbs[build]).createIndex({ key: 1 }, { unique: true });
      await messages(dbs[build]).createIndex({ sid: 1 });
      await schedules(dbs[build]).createIndex({ status: 1, nextRunAt: 1 });
      console.log(`${build}: ${server.label}`);
    }
    console.log(
      `ms per call (mean of ${ROUNDS} one at a time, or as many as fit in ${BUDGET_MS / 1000} s, at least 5); ×N after a figure: compared with ${SIZES[0]} documents of the same build`,
    );
    console.log(
      `${'documents'.padEnd(10)} ${'operation'.padEnd(31)} ${'stock (baseline)'.padStart(20)} ${'patched'.padStart(20)}   stock / patched`,
    );
    const first: Record<string, number> = {};
    let have = 0;
    for (const size of SIZES) {
      for (const build of BUILDS) await growTo(dbs[build], have, size);
      have = size;
      for (const op of [...OPERATIONS, INSERT]) {
        const ms = {} as Record<FerretdbBuild, number>;
        for (const build of BUILDS) {
          ms[build] = await msPerCall(dbs[build], size, op.run);
          first[`${op.name}/${build}`] ??= ms[build];
        }
        const cell = (build: FerretdbBuild) =>
          `${ms[build].toFixed(2)} ms (×${(ms[build] / first[`${op.name}/${build}`]).toFixed(1)})`.padStart(
            20,
          );
        console.log(
          `${size.toLocaleString('en-US').padEnd(10)} ${op.name.padEnd(31)} ${cell('stock')} ${cell('patched')}   ${(ms.stock / ms.patched).toFixed(1).padStart(6)}×`,
        );
      }
    }
  } finally {
    for (const client of clients) await client.close();
    for (const server of Object.values(servers)) await server.stop();
  }
}

if (require.main === module) {
  runDatabaseBench().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
