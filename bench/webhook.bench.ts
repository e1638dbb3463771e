// Webhook throughput and latency, in one run on one database: (a) bare express answering static
// TwiML (the ceiling), (b) the minimal persisting webhook (bench/support/minimalWebhook.js: the
// same reads and writes per message as ReplyBot, raw driver, static reply) and (c) ReplyBot's
// /twilio/sms with signed requests and the example rules; also (b') = (b) on a database with
// ReplyBot's indexes, which splits the gap between (b) and (c) into indexes and app. Targets: (c) >= 0.8 x (b), >= 0.25 x (a)
// with p99 < 100 ms at 50 connections; when one is missed, a CPU profile of ReplyBot follows.
// Then, if asked (BENCH_MEMORY_MESSAGES=100000), memory: ReplyBot's RSS over that many messages.
// Run: BENCH_ONLY=webhook npm run bench   (or: npx tsx bench/webhook.bench.ts)
import { profileWebhook } from './profile';
import { benchDatabase, type BenchDatabase, type ChildServer } from './support/environment';
import { CONNECTIONS, DURATION_S, load, loadRow, type LoadResult } from './support/load';
import { startBareServer, startMinimalWebhook, startReplyBot } from './support/servers';

const CONTACTS = 200;

/** Warm-up (the JIT; two messages from every contact, so every thread exists), then the measured load. */
async function measured(
  server: ChildServer,
  db?: BenchDatabase,
  uri?: string,
): Promise<LoadResult> {
  try {
    await load(server.port, { amount: 2 * CONTACTS, contacts: CONTACTS });
    return await load(server.port, {
      contacts: CONTACTS,
      measure: { server: server.pid, database: db?.pid ?? null },
      countCommandsAt: uri,
    });
  } finally {
    await server.stop();
  }
}

export async function runWebhookBench(): Promise<void> {
  const db = await benchDatabase();
  try {
    console.log(
      `webhook: ${CONNECTIONS} connections, ${DURATION_S} s each after a warm-up of ${2 * CONTACTS} messages, ${CONTACTS} contacts; database: ${db.label}`,
    );
    const stamp = Date.now().toString(36);
    const bare = await measured(await startBareServer());
    const minimalDb = db.uri(`bench_min_${stamp}`);
    const minimal = await measured(await startMinimalWebhook(minimalDb), db, minimalDb);
    // (b) again, on a database where ReplyBot created its indexes first (it does at start): what
    // maintaining them costs, apart from what the app itself costs.
    const indexed = db.uri(`bench_min_indexed_${stamp}`);
    await (await startReplyBot(indexed)).stop();
    const minimalIndexed = await measured(await startMinimalWebhook(indexed), db, indexed);
    const replybotDb = db.uri(`bench_rb_${stamp}`);
    const replybot = await measured(await startReplyBot(replybotDb), db, replybotDb);

    console.log(loadRow('(a) bare express, static TwiML', bare));
    console.log(loadRow('(b) minimal persisting webhook', minimal));
    console.log(loadRow("(b') (b) with ReplyBot's indexes", minimalIndexed));
    console.log(loadRow('(c) ReplyBot /twilio/sms', replybot));
    const toMinimal = replybot.requestsPerSec / minimal.requestsPerSec;
    const toBare = replybot.requestsPerSec / bare.requestsPerSec;
    const met = (ok: boolean) => (ok ? 'met' : 'NOT MET');
    console.log(
      `c/b = ${toMinimal.toFixed(2)} (target >= 0.80: ${met(toMinimal >= 0.8)}); c/b' = ${(replybot.requestsPerSec / minimalIndexed.requestsPerSec).toFixed(2)}`,
    );
    console.log(
      `c/a = ${toBare.toFixed(2)} (target >= 0.25: ${met(toBare >= 0.25)}); ` +
        `p99 (c) = ${replybot.p99} ms (target < 100 ms: ${met(replybot.p99 < 100)})`,
    );
    if (toMinimal < 0.8 || toBare < 0.25 || replybot.p99 >= 100) {
      console.log('\nwhere ReplyBot spends its time (a target was missed):');
      for (const line of await profileWebhook(db, { contacts: CONTACTS })) console.log(line);
    }

    const messages = Number(process.env.BENCH_MEMORY_MESSAGES ?? 0);
    if (messages > 0) await memory(db.uri(`bench_mem_${stamp}`), messages);
  } finally {
    await db.stop();
  }
}

const SAMPLE_MS = 30_000;

/**
 * Memory under a long run: `messages` webhooks through a fresh ReplyBot while its RSS is sampled;
 * growth is judged on the second half (the first fills caches, pools and the JIT). Same-run
 * baseline: the bare express app's RSS after the same load.
 */
async function memory(uri: string, messages: number): Promise<void> {
  const bare = await startBareServer();
  await load(bare.port, { amount: Math.min(messages, 50_000), contacts: CONTACTS });
  const bareMb = bare.rssMb();
  await bare.stop();

  const server = await startReplyBot(uri);
  try {
    const samples = [server.rssMb()];
    const timer = setInterval(() => samples.push(server.rssMb()), SAMPLE_MS);
    const started = Date.now();
    try {
      await load(server.port, { amount: messages, contacts: CONTACTS });
    } finally {
      clearInterval(timer);
    }
    samples.push(server.rssMb());
    const mid = samples[Math.floor(samples.length / 2)];
    const end = samples[samples.length - 1];
    const mb = (n: number) => `${n.toFixed(0)} MB`;
    console.log(
      `\nmemory: ${messages} messages in ${((Date.now() - started) / 1000).toFixed(0)} s; ReplyBot RSS ${mb(samples[0])} at the start, ` +
        `${mb(mid)} at half-time, ${mb(end)} at the end, peak ${mb(Math.max(...samples))} (target < 150 MB); ` +
        `growth over the second half ${(end - mid).toFixed(1)} MB`,
    );
    console.log(`        same-run baseline: bare express RSS ${mb(bareMb)} after its load`);
    console.log(
      `        samples every ${SAMPLE_MS / 1000} s: ${samples.map((n) => n.toFixed(0)).join(' ')}`,
    );
  } finally {
    await server.stop();
  }
}

if (require.main === module) {
  runWebhookBench().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
