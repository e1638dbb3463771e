// The counters behind /api/rules/stats and /unmatched, on the real database: windows that start
// within a day, concurrent first hits, and the one-time count of messages stored before counting.
import type { Connection } from 'mongoose';
import { RuleAnalytics, type LoadedRules } from '../../src/analytics/ruleAnalytics';
import { bindModels, ensureIndexes, type Models } from '../../src/db/models';
import { DEFAULT_COMPLIANCE } from '../../src/rules';
import { openTestDatabase } from '../support/db';
import { eventually } from '../support/process';

const loaded: LoadedRules = {
  ids: ['menu', 'fallback'],
  catchAll: ['fallback'],
  compliance: DEFAULT_COMPLIANCE,
};
const at = (iso: string) => new Date(iso);

describe('rule counters', () => {
  let db: { connection: Connection; drop(): Promise<void> };
  let models: Models;
  let analytics: RuleAnalytics;

  beforeEach(async () => {
    db = await openTestDatabase('rule_counts');
    models = bindModels(db.connection);
    await ensureIndexes(models);
    analytics = new RuleAnalytics(models);
  });
  afterEach(async () => {
    await db.drop();
  });

  it('a window counts from the start of its first hour, not the whole first day', async () => {
    for (const time of ['2026-03-03T08:10:00Z', '2026-03-03T15:20:00Z', '2026-03-04T09:00:00Z'])
      analytics.record({ at: at(time), body: 'menu', kind: 'rule', rule: 'menu' }, loaded);

    const stats = await analytics.stats(at('2026-03-03T15:45:00Z'), loaded);
    expect(stats.since).toEqual(at('2026-03-03T15:00:00Z'));
    expect(stats.messages).toBe(2);
    expect(stats.rules.find((r) => r.id === 'menu')).toEqual({
      id: 'menu',
      hits: 2,
      lastHitAt: at('2026-03-04T09:00:00Z'),
      loaded: true,
    });
    expect((await analytics.stats(at('2026-03-04T10:00:00Z'), loaded)).messages).toBe(0);
  });

  it('unmatched groups catch-all and unanswered texts, leaving compliance keywords out', async () => {
    const t = at('2026-03-04T12:00:00Z');
    analytics.record({ at: t, body: 'Dogs OK?', kind: 'rule', rule: 'fallback' }, loaded);
    analytics.record({ at: t, body: 'dogs ok', kind: 'none', rule: null }, loaded);
    analytics.record({ at: t, body: 'STOP', kind: 'opt_out', rule: null }, loaded);
    analytics.record({ at: t, body: 'menu', kind: 'rule', rule: 'menu' }, loaded);

    const unmatched = await analytics.unmatched(at('2026-03-04T00:00:00Z'), 10);
    expect(unmatched.total).toBe(2);
    expect(unmatched.groups).toEqual([
      { text: 'dogs ok', count: 2, lastSeenAt: t, example: 'dogs ok', rule: null },
    ]);
    // STOP is not a question nobody answers, but it is a message no rule answered.
    const stats = await analytics.stats(at('2026-03-04T00:00:00Z'), loaded);
    expect(stats.noRule.hits).toBe(2);
    expect(stats.messages).toBe(4);
  });

  it('several instances writing the same bucket at once all count', async () => {
    const t = at('2026-03-04T12:00:00Z');
    const instances = Array.from({ length: 4 }, () => new RuleAnalytics(models));
    for (const instance of instances)
      for (let i = 0; i < 5; i++)
        instance.record({ at: t, body: 'menu', kind: 'rule', rule: 'menu' }, loaded);
    await Promise.all(instances.map((instance) => instance.flush()));
    const stats = await analytics.stats(at('2026-03-04T00:00:00Z'), loaded);
    expect(stats.rules.find((r) => r.id === 'menu')?.hits).toBe(20);
  });

  it('writes its counts within flushMs, without waiting for a read of its own', async () => {
    const counting = new RuleAnalytics(models, 20);
    counting.record(
      { at: at('2026-03-04T12:00:00Z'), body: 'menu', kind: 'rule', rule: 'menu' },
      loaded,
    );
    // Another instance (nothing pending of its own) sees it once the timer has written it.
    const since = at('2026-03-04T00:00:00Z');
    expect(
      await eventually(async () => (await analytics.stats(since, loaded)).messages > 0, 5000),
    ).toBe(true);
    expect((await analytics.stats(since, loaded)).messages).toBe(1);
    await counting.close();
  });

  it('counts messages stored before counting began once, however many instances start', async () => {
    const stored = (i: number, rule: string | null, body: string) => ({
      _id: `in${i}`,
      key: `in:SM${i}`,
      thread: 't1',
      contact: '+14155550123',
      number: '+14155550100',
      direction: 'inbound',
      status: 'received',
      rule,
      body,
      createdAt: at(`2026-03-0${i}T10:00:00Z`),
    });
    await models.Message.insertMany([
      stored(1, 'menu', 'menu'),
      stored(2, 'fallback', 'huh'),
      stored(3, null, 'STOP'),
    ]);
    const now = at('2026-03-05T00:00:00Z');
    const counted = await Promise.all([
      analytics.backfill(now, loaded),
      new RuleAnalytics(models).backfill(now, loaded),
    ]);
    expect(counted.sort()).toEqual([0, 3]);
    expect(await analytics.backfill(now, loaded)).toBe(0);

    const stats = await analytics.stats(at('2026-03-01T00:00:00Z'), loaded);
    expect(stats.messages).toBe(3);
    expect(stats.noRule.hits).toBe(1);
    const unmatched = await analytics.unmatched(at('2026-03-01T00:00:00Z'), 10);
    expect(unmatched.groups.map((g) => [g.text, g.count, g.rule])).toEqual([
      ['huh', 1, 'fallback'],
    ]);
  });
});
