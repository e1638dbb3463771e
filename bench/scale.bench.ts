// Does the webhook keep its pace as the database fills? ReplyBot's /twilio/sms with 100 stored
// threads (the same-run baseline) and with 100,000, each thread with its first message and reply
// (seeded through the driver, insertMany in batches, shaped and keyed as the app stores them:
// src/db/models, src/db/ids.ts); the load's messages come from the stored threads' contacts.
// The two sizes are loaded in turns (BENCH_SCALE_ROUNDS rounds), each server running on its own
// database meanwhile. Target: mean req/s with 100,000 threads >= 0.8 x with 100.
// Run: BENCH_ONLY=scale npm run bench   (or: npx tsx bench/scale.bench.ts)
import mongoose from 'mongoose';
import { messageIdFor, threadIdFor } from '../src/db/ids';
import { benchDatabase, type ChildServer } from './support/environment';
import {
  CONNECTIONS,
  DURATION_S,
  OUR_NUMBER,
  contactNumber,
  load,
  loadRow,
  type LoadResult,
} from './support/load';
import { startReplyBot } from './support/servers';

const SIZES = [100, Number(process.env.BENCH_SCALE_THREADS ?? 100_000)];
const BATCH = 1000;
const ROUNDS = Number(process.env.BENCH_SCALE_ROUNDS ?? 2);

/** Thread `i` as the app leaves it after one message ("menu") and its reply. */
function storedThread(i: number, at: Date) {
  const contact = contactNumber(i);
  const sid = `SMseed${String(i).padStart(26, '0')}`;
  const thread = {
    _id: threadIdFor(contact, OUR_NUMBER),
    contact,
    number: OUR_NUMBER,
    state: null,
    vars: {},
    tags: [],
    optedOut: false,
    optedOutAt: null,
    firstMessageAt: at,
    lastMessageAt: at,
    lastInbound: `in:${sid}`,
    inboundCount: 1,
    messageCount: 2,
    createdAt: at,
    updatedAt: at,
    __v: 0,
  };
  const common = { thread: thread._id, contact, number: OUR_NUMBER, rule: 'menu', errorCode: null };
  const messages = [
    {
      _id: messageIdFor(`in:${sid}`),
      key: `in:${sid}`,
      direction: 'inbound',
      body: 'menu',
      media: [],
      sid,
      status: 'received',
      replyTwiml:
        '<?xml version="1.0" encoding="UTF-8"?><Response><Message>Our menu: drip, latte, cortado.<Media>https://example.com/bean-there/menu.png</Media></Message></Response>',
      seq: 1,
      createdAt: at,
      updatedAt: at,
      ...common,
    },
    {
      _id: messageIdFor(`reply:${sid}:0`),
      key: `reply:${sid}:0`,
      direction: 'outbound',
      body: 'Our menu: drip, latte, cortado.',
      media: [{ url: 'https://example.com/bean-there/menu.png', contentType: null }],
      sid: null,
      status: 'twiml',
      createdAt: new Date(at.getTime() + 1),
      updatedAt: new Date(at.getTime() + 1),
      ...common,
    },
  ];
  return { thread, messages };
}

/** Stores `count` threads and their messages, BATCH threads per insertMany. */
async function seed(uri: string, count: number): Promise<number> {
  const started = Date.now();
  const client = await new mongoose.mongo.MongoClient(uri).connect();
  try {
    const threads = client.db().collection<{ _id: string }>('threads');
    const messages = client.db().collection<{ _id: string }>('messages');
    const at = new Date(Date.now() - 86_400_000);
    for (let start = 0; start < count; start += BATCH) {
      const batch = Array.from({ length: Math.min(BATCH, count - start) }, (_, k) =>
        storedThread(start + k, at),
      );
      await threads.insertMany(batch.map((b) => b.thread));
      await messages.insertMany(batch.flatMap((b) => b.messages));
    }
  } finally {
    await client.close();
  }
  return (Date.now() - started) / 1000;
}

export async function runScaleBench(): Promise<void> {
  const db = await benchDatabase();
  const servers: ChildServer[] = [];
  try {
    console.log(
      `scale: ReplyBot /twilio/sms, ${CONNECTIONS} connections, ${DURATION_S} s after a 2 s warm-up, ` +
        `messages from the stored threads' contacts, ${ROUNDS} rounds taking turns; database: ${db.label}`,
    );
    for (const threads of SIZES) {
      const uri = db.uri(`bench_scale_${threads}_${Date.now().toString(36)}`);
      // Started first, so the app's indexes exist while the data goes in, as in production.
      servers.push(await startReplyBot(uri));
      const seconds = await seed(uri, threads);
      console.log(
        `  seeded ${threads.toLocaleString('en-US')} threads and ${(2 * threads).toLocaleString('en-US')} messages in ${seconds.toFixed(0)} s`,
      );
    }
    // The sizes take turns, so a change in the machine's other load falls on both.
    const results: LoadResult[][] = SIZES.map(() => []);
    for (let round = 0; round < ROUNDS; round++) {
      for (const [k, threads] of SIZES.entries()) {
        await load(servers[k].port, { durationS: 2, contacts: threads });
        const r = await load(servers[k].port, {
          contacts: threads,
          measure: { server: servers[k].pid, database: db.pid },
        });
        results[k].push(r);
        console.log(
          loadRow(`  round ${round + 1}: ${threads.toLocaleString('en-US')} threads`, r, 28),
        );
      }
    }
    const mean = (rs: LoadResult[]) => rs.reduce((sum, r) => sum + r.requestsPerSec, 0) / rs.length;
    const worstP99 = (rs: LoadResult[]) => Math.max(...rs.map((r) => r.p99));
    const [small, large] = results;
    const ratio = mean(large) / mean(small);
    console.log(
      `mean req/s: ${mean(small).toFixed(0)} with ${SIZES[0]} threads, ${mean(large).toFixed(0)} with ${SIZES[1].toLocaleString('en-US')}: ` +
        `ratio ${ratio.toFixed(2)} (target >= 0.80: ${ratio >= 0.8 ? 'met' : 'NOT MET'}); worst p99 ${worstP99(small)} and ${worstP99(large)} ms`,
    );
  } finally {
    for (const server of servers) await server.stop();
    await db.stop();
  }
}

if (require.main === module) {
  runScaleBench().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
