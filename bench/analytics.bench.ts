// Rule analytics at 100,000 stored messages: GET /api/rules/stats and /api/rules/unmatched read the
// hourly counters (src/analytics/ruleAnalytics.ts). Same-run baseline: what the routes did before
// the counters, one pass over the window's inbound messages. Also measured: the counting each
// inbound message now pays (record), and the one-time count of messages stored before counting
// began (backfill). Target: each read under 100 ms at 100,000 messages.
// Run: BENCH_ONLY=analytics npm run bench
import mongoose from 'mongoose';
import { RuleAnalytics, type LoadedRules } from '../src/analytics/ruleAnalytics';
import { bindModels, ensureIndexes, type Models } from '../src/db/models';
import { DEFAULT_COMPLIANCE } from '../src/rules';
import { benchDatabase } from './support/environment';

const MESSAGES = Number(process.env.BENCH_ANALYTICS_MESSAGES ?? 100_000); // half inbound, half replies
const DAYS = 30;
const RULES = Array.from({ length: 20 }, (_, i) => `rule-${i}`);
const NOW = new Date('2026-03-04T12:00:00Z');
const TARGET_MS = 100;

const loaded: LoadedRules = {
  ids: [...RULES, 'fallback'],
  catchAll: ['fallback'],
  compliance: DEFAULT_COMPLIANCE,
};

export async function runAnalyticsBench(): Promise<void> {
  const db = await benchDatabase();
  const connection = await mongoose.createConnection(db.uri('bench_analytics')).asPromise();
  try {
    const models = bindModels(connection);
    await connection.dropDatabase();
    await ensureIndexes(models);
    const seeded = Date.now();
    await seedMessages(models);
    console.log(
      `${db.label}: ${MESSAGES} messages over ${DAYS} days stored in ${((Date.now() - seeded) / 1000).toFixed(1)} s`,
    );
    const analytics = new RuleAnalytics(models);
    const counted = Date.now();
    const inbound = await analytics.backfill(NOW, loaded);
    console.log(
      `backfill (once per database): ${inbound} inbound messages counted in ${((Date.now() - counted) / 1000).toFixed(1)} s`,
    );

    const since = (days: number) => new Date(NOW.getTime() - days * 86_400_000);
    const rows: [string, number, number][] = [];
    for (const days of [7, 30]) {
      rows.push([
        `stats since=${days}d`,
        await median(() => analytics.stats(since(days), loaded)),
        await once(() => scanWindow(models, since(days))),
      ]);
      rows.push([
        `unmatched since=${days}d`,
        await median(() => analytics.unmatched(since(days), 50)),
        await once(() => scanWindow(models, since(days), { rule: { $in: [null, 'fallback'] } })),
      ]);
    }
    console.log('read                 counters   baseline (scan of the messages)');
    for (const [label, ms, baseline] of rows) {
      console.log(
        `${label.padEnd(20)} ${`${ms.toFixed(1)} ms`.padStart(9)}   ${baseline.toFixed(0)} ms  ${ms < TARGET_MS ? 'met' : 'MISSED'} (< ${TARGET_MS} ms)`,
      );
    }
    const n = 500;
    const t = process.hrtime.bigint();
    for (let i = 0; i < n; i++) {
      // As the webhook does: one message at a time, each written within the flush interval.
      analytics.record(
        { at: NOW, body: `bench ${i % 7}`, kind: 'rule', rule: i % 2 ? 'fallback' : 'rule-1' },
        loaded,
      );
    }
    await analytics.flush();
    const ms = Number(process.hrtime.bigint() - t) / 1e6;
    console.log(
      `counting ${n} inbound messages (record, then one flush): ${ms.toFixed(1)} ms, ${(ms / n).toFixed(3)} ms a message`,
    );
  } finally {
    await connection.dropDatabase().catch(() => undefined);
    await connection.close();
    await db.stop();
  }
}

/** Inbound messages by a skewed distribution over the rules, each with its reply. */
async function seedMessages(models: Models): Promise<void> {
  const batch: object[] = [];
  for (let i = 0; i < MESSAGES / 2; i++) {
    // Every 10th message unanswered, every 7th a catch-all's.
    const rule = i % 10 === 0 ? null : i % 7 === 0 ? 'fallback' : RULES[(i * i) % RULES.length];
    const createdAt = new Date(NOW.getTime() - ((i * 7919) % (DAYS * 86_400)) * 1000);
    const base = {
      thread: `t${i % 5000}`,
      contact: `+1415555${String(i % 5000).padStart(4, '0')}`,
      number: '+14155550100',
      rule,
      createdAt,
    };
    batch.push(
      {
        ...base,
        _id: `in${i}`,
        key: `in:SM${i}`,
        direction: 'inbound',
        status: 'received',
        body: rule ? `question ${i % 300}` : `hm ${i % 40}`,
      },
      {
        ...base,
        _id: `re${i}`,
        key: `reply:SM${i}:0`,
        direction: 'outbound',
        status: 'twiml',
        body: 'An answer',
      },
    );
    if (batch.length >= 2000) await models.Message.insertMany(batch.splice(0), { ordered: false });
  }
  if (batch.length) await models.Message.insertMany(batch, { ordered: false });
}

/** The baseline: one pass over the window's inbound messages, as the routes read before counters. */
async function scanWindow(models: Models, since: Date, filter: object = {}): Promise<number> {
  let n = 0;
  const cursor = models.Message.find(
    { direction: 'inbound', createdAt: { $gte: since }, ...filter },
    { _id: 0, rule: 1, body: 1, createdAt: 1 },
  )
    .lean()
    .cursor({ batchSize: 5000 });
  for await (const _ of cursor) n++;
  return n;
}

/** One timed run, in ms (the baseline: seconds each at 100,000 messages). */
async function once(run: () => Promise<unknown>): Promise<number> {
  const t = process.hrtime.bigint();
  await run();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

/** Median of 3 timed runs after a warm-up, in ms. */
async function median(run: () => Promise<unknown>): Promise<number> {
  await run();
  const samples: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t = process.hrtime.bigint();
    await run();
    samples.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return samples.sort((a, b) => a - b)[1];
}

if (require.main === module) {
  runAnalyticsBench().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
