// Rule analytics at 100,000 stored messages: GET /api/rules/stats and /api/rules/unmatched's
// queries, with and without the messages index {direction, rule, createdAt}.
// Run: npx tsx bench/analytics.ts (the patched embedded FerretDB; MONGODB_URI for a real MongoDB).
import mongoose from 'mongoose';
import { RuleAnalytics, type LoadedRules } from '../src/analytics/ruleAnalytics';
import { bindModels, ensureIndexes } from '../src/db/models';
import { DEFAULT_COMPLIANCE } from '../src/rules';
import { startFerretdb, type BenchDatabase } from './support/environment';

const MESSAGES = 100_000; // half inbound, half their replies
const DAYS = 30;
const RULES = Array.from({ length: 20 }, (_, i) => `rule-${i}`);
const NOW = new Date('2026-03-04T12:00:00Z');
const ANALYTICS_INDEX = 'direction_1_createdAt_-1_rule_1';

async function main(): Promise<void> {
  const db: BenchDatabase = process.env.MONGODB_URI
    ? {
        uri: () => process.env.MONGODB_URI!,
        stop: async () => undefined,
        label: 'MongoDB',
        pid: null,
      }
    : await startFerretdb('patched');
  const connection = await mongoose.createConnection(db.uri('bench_analytics')).asPromise();
  try {
    const models = bindModels(connection);
    await connection.dropDatabase();
    await ensureIndexes(models);
    const started = Date.now();
    const batch: object[] = [];
    for (let i = 0; i < MESSAGES / 2; i++) {
      // Rules by a skewed distribution; every 10th message unanswered, every 7th a catch-all's.
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
      if (batch.length >= 2000)
        await models.Message.insertMany(batch.splice(0), { ordered: false });
    }
    if (batch.length) await models.Message.insertMany(batch, { ordered: false });
    console.log(
      `${db.label}: ${MESSAGES} messages stored in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );

    const analytics = new RuleAnalytics(models);
    const loaded: LoadedRules = {
      ids: [...RULES, 'fallback'],
      catchAll: ['fallback'],
      compliance: DEFAULT_COMPLIANCE,
    };
    const time = async (label: string, run: () => Promise<unknown>) => {
      await run(); // warm-up
      const samples: number[] = [];
      for (let i = 0; i < 3; i++) {
        const t = process.hrtime.bigint();
        await run();
        samples.push(Number(process.hrtime.bigint() - t) / 1e6);
      }
      samples.sort((a, b) => a - b);
      console.log(
        `  ${label}: median ${samples[1].toFixed(0)} ms (min ${samples[0].toFixed(0)}, max ${samples[2].toFixed(0)})`,
      );
    };
    const since = (days: number) => new Date(NOW.getTime() - days * 86_400_000);
    for (const withIndex of [true, false]) {
      if (!withIndex) await models.Message.collection.dropIndex(ANALYTICS_INDEX);
      console.log(withIndex ? 'with the analytics index:' : 'without it:');
      await time('stats since=7d', () => analytics.stats(since(7), loaded));
      await time('stats since=30d', () => analytics.stats(since(30), loaded));
      await time('unmatched since=7d', () => analytics.unmatched(since(7), loaded, 50));
      await time('unmatched since=30d', () => analytics.unmatched(since(30), loaded, 50));
    }
  } finally {
    await connection.dropDatabase().catch(() => undefined);
    await connection.close();
    await db.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
