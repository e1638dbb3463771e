// Which rules answer, and what nobody answers. Counted as each inbound message is handled, into
// the rule_counts collection (src/db/models/ruleCount.ts): one bucket per (day, rule) and per
// (day, unanswered text), each with its counts by the hour; the reads add up a window's buckets. Counting at write time is what keeps the reads fast at any number of stored
// messages: FerretDB v1 (the embedded database) filters dates in the application, so a read of the
// messages themselves costs every stored message (15-24 s at 100,000). Figures: docs/benchmarks.md.
import type { Models } from '../db/models';
import { isDuplicateKeyError } from '../db/models';
import type { RuleCountFields } from '../db/models/ruleCount';
import { normalizeText, type ComplianceConfig, type DecisionKind, type RuleSet } from '../rules';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** The longest window read (the API allows 366 days), with a day for the first's earlier hours. */
const MAX_WINDOW_DAYS = 368;

export interface RuleHits {
  id: string;
  hits: number;
  lastHitAt: Date | null;
  /** False for a rule that answered in the window but is not in the rules loaded now. */
  loaded: boolean;
}

export interface RuleStats {
  /** The window's start: the start of the hour of the time asked for (counts are kept by the hour). */
  since: Date;
  /** Inbound messages in the window. */
  messages: number;
  /** Every loaded rule (hits 0 when it never answered), then rules no longer loaded. */
  rules: RuleHits[];
  /** Messages no rule answered: nothing matched, a compliance keyword, or an opted-out contact. */
  noRule: { hits: number; lastHitAt: Date | null };
}

export interface UnmatchedGroup {
  /** The text as rules compare it: lower-cased, surrounding punctuation and spaces removed. */
  text: string;
  count: number;
  lastSeenAt: Date;
  /** One message as the contact wrote it (the latest). */
  example: string;
  /** The catch-all rule that answered, or null when no rule did. */
  rule: string | null;
}

export interface Unmatched {
  /** As in {@link RuleStats.since}. */
  since: Date;
  /** Messages answered by a catch-all or by no rule, compliance keywords left out. */
  total: number;
  /** Most frequent first. */
  groups: UnmatchedGroup[];
}

export interface LoadedRules {
  /** In rule order. */
  ids: string[];
  /** Enabled rules with no conditions: they answer what nothing else does. */
  catchAll: string[];
  compliance: ComplianceConfig;
}

/** What of a rule set the analytics need. */
export function loadedRulesOf(ruleSet: RuleSet): LoadedRules {
  // Asked for every inbound message: worked out once per loaded rule set.
  let loaded = loadedByRuleSet.get(ruleSet);
  if (loaded === undefined) {
    const enabled = ruleSet.compiled.filter((r) => r.enabled);
    loaded = {
      ids: ruleSet.compiled.map((r) => r.id),
      catchAll: enabled.filter((r) => r.conditions.length === 0).map((r) => r.id),
      compliance: ruleSet.compliance,
    };
    loadedByRuleSet.set(ruleSet, loaded);
  }
  return loaded;
}

const loadedByRuleSet = new WeakMap<RuleSet, LoadedRules>();

/** One handled inbound message, as the analytics count it. */
export interface InboundHit {
  at: Date;
  body: string;
  /** How the rules decided: a compliance keyword, a rule, or nothing. */
  kind: DecisionKind | 'no_rules';
  /** The rule that answered, or null. */
  rule: string | null;
}

/** A bucket as one message counts in it. */
interface Bucket {
  _id: string;
  kind: 'rule' | 'text';
  slot: string;
  /** `h00` to `h23`. */
  hour: string;
  rule: string | null;
  text: string | null;
  example: string | null;
}

/** Counts by bucket and hour, so that each is one write. */
type Totals = Map<string, { bucket: Bucket; count: number; lastAt: Date }>;

function accumulate(totals: Totals, bucket: Bucket, count: number, at: Date): void {
  const key = `${bucket._id}|${bucket.hour}`;
  const total = totals.get(key);
  if (total === undefined) totals.set(key, { bucket, count, lastAt: at });
  else {
    total.count += count;
    // The latest message of a text names its example and rule.
    if (at >= total.lastAt) Object.assign(total, { lastAt: at, bucket });
  }
}

/** A window's bucket: its count within the window. */
type Counted = RuleCountFields & { inWindow: number };

export class RuleAnalytics {
  /** Counts not written yet, by bucket and hour: each is one write however many messages it holds. */
  private pending: Totals = new Map();
  private flushTimer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();

  /**
   * @param flushMs how long counts wait in memory before they are written: a message costs no
   *   write of its own, and a crash loses at most this long's counts.
   */
  constructor(
    private readonly models: Pick<Models, 'Message' | 'RuleCount'>,
    private readonly flushMs = 1000,
  ) {}

  /**
   * Counts one handled inbound message: a hit for its rule (or for none), and, when a catch-all or
   * no rule answered and it was not a compliance keyword, its text among the unmatched. Written
   * within `flushMs`, or at the next read or close of this instance.
   */
  record(hit: InboundHit, loaded: LoadedRules): void {
    for (const bucket of bucketsOf(hit, loaded)) accumulate(this.pending, bucket, 1, hit.at);
    this.flushTimer ??= setTimeout(() => {
      this.flushTimer = null;
      void this.flush().catch(() => undefined); // kept for the next flush
    }, this.flushMs).unref();
  }

  /** Writes the counts waiting in memory; ones that fail to write wait for the next flush. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      const batch = this.pending;
      this.pending = new Map();
      for (const [key, total] of batch) {
        try {
          await this.add(total.bucket, total.count, total.lastAt);
          batch.delete(key);
        } catch (err) {
          for (const t of batch.values()) accumulate(this.pending, t.bucket, t.count, t.lastAt);
          throw err;
        }
      }
    });
    const done = this.flushing;
    this.flushing = done.catch(() => undefined);
    return done;
  }

  /** Writes what is pending; for shutdown. */
  async close(): Promise<void> {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    await this.flush();
  }

  /**
   * Counts the messages stored before counting began (a database written by an earlier version),
   * once per database: the first instance to start takes a marker, and counts the inbound messages
   * older than it. Messages after the marker are counted by {@link record} as they arrive.
   */
  async backfill(now: Date, loaded: LoadedRules): Promise<number> {
    try {
      await this.models.RuleCount.create({
        _id: 'backfill',
        kind: 'marker',
        count: 0,
        lastAt: now,
      });
    } catch (err) {
      if (isDuplicateKeyError(err)) return 0;
      throw err;
    }
    const totals: Totals = new Map();
    let messages = 0;
    const cursor = this.models.Message.find(
      { direction: 'inbound', createdAt: { $lt: now } },
      { _id: 0, body: 1, rule: 1, createdAt: 1 },
    )
      .lean<{ body?: string; rule?: string | null; createdAt: Date }>()
      .cursor({ batchSize: 5000 });
    for await (const m of cursor) {
      messages++;
      const body = m.body ?? '';
      const rule = m.rule ?? null;
      // The stored message keeps its rule, not how the rules decided: a compliance keyword is
      // recognised by its text, as the rules would.
      const kind = rule !== null ? 'rule' : complianceKind(normalizeText(body), loaded.compliance);
      for (const bucket of bucketsOf({ at: m.createdAt, body, kind, rule }, loaded))
        accumulate(totals, bucket, 1, m.createdAt);
    }
    for (const { bucket, count, lastAt } of totals.values()) await this.add(bucket, count, lastAt);
    return messages;
  }

  async stats(since: Date, loaded: LoadedRules): Promise<RuleStats> {
    await this.flush(); // this instance's latest counts included
    const from = startOfHour(since);
    const hits = new Map<string | null, { hits: number; lastHitAt: Date }>();
    let messages = 0;
    for (const b of await this.bucketsSince(from, 'rule')) {
      messages += b.inWindow;
      const seen = hits.get(b.rule);
      if (seen === undefined) hits.set(b.rule, { hits: b.inWindow, lastHitAt: b.lastAt });
      else {
        seen.hits += b.inWindow;
        if (b.lastAt > seen.lastHitAt) seen.lastHitAt = b.lastAt;
      }
    }
    const seen = [...hits.keys()].filter((r): r is string => r !== null);
    const rules: RuleHits[] = [
      ...loaded.ids.map((id) => ({ id, loaded: true })),
      ...seen.filter((id) => !loaded.ids.includes(id)).map((id) => ({ id, loaded: false })),
    ].map(({ id, loaded: isLoaded }) => ({
      id,
      hits: hits.get(id)?.hits ?? 0,
      lastHitAt: hits.get(id)?.lastHitAt ?? null,
      loaded: isLoaded,
    }));
    // Most used first; ties keep rule order.
    rules.sort((a, b) => b.hits - a.hits);
    const none = hits.get(null);
    return {
      since: from,
      messages,
      rules,
      noRule: { hits: none?.hits ?? 0, lastHitAt: none?.lastHitAt ?? null },
    };
  }

  async unmatched(since: Date, limit: number): Promise<Unmatched> {
    await this.flush();
    const from = startOfHour(since);
    const byText = new Map<string, UnmatchedGroup>();
    let total = 0;
    for (const b of await this.bucketsSince(from, 'text')) {
      total += b.inWindow;
      const text = b.text ?? '';
      const group = byText.get(text);
      if (group === undefined) {
        byText.set(text, {
          text,
          count: b.inWindow,
          lastSeenAt: b.lastAt,
          example: b.example ?? '',
          rule: b.rule,
        });
      } else {
        group.count += b.inWindow;
        if (b.lastAt > group.lastSeenAt) {
          Object.assign(group, { lastSeenAt: b.lastAt, example: b.example ?? '', rule: b.rule });
        }
      }
    }
    const groups = [...byText.values()].sort(
      (a, b) => b.count - a.count || b.lastSeenAt.getTime() - a.lastSeenAt.getTime(),
    );
    return { since: from, total, groups: groups.slice(0, limit) };
  }

  /**
   * The window's buckets of one kind, with their counts since `from`'s hour: read by slot (the
   * index). A bucket's lastAt is within the window whenever it counts anything there.
   */
  private async bucketsSince(from: Date, kind: 'rule' | 'text'): Promise<Counted[]> {
    // Every day from the window's first on: a window is at most a year, and no bucket lies ahead.
    const slots = Array.from({ length: MAX_WINDOW_DAYS }, (_, i) =>
      slotOf(kind, new Date(from.getTime() + i * DAY_MS)),
    );
    const firstSlot = slots[0];
    const firstHour = hourOf(from);
    const found = await this.models.RuleCount.find({ slot: { $in: slots } })
      .lean<RuleCountFields[]>()
      .exec();
    return found
      .map((b) => ({
        ...b,
        rule: b.rule ?? null,
        inWindow:
          b.slot === firstSlot
            ? Object.entries(b.hours ?? {})
                .filter(([hour]) => hour >= firstHour)
                .reduce((sum, [, n]) => sum + n, 0)
            : b.count,
      }))
      .filter((b) => b.inWindow > 0);
  }

  private async add(bucket: Bucket, count: number, at: Date): Promise<void> {
    const { _id, kind, slot, hour, rule, text, example } = bucket;
    const update = {
      $inc: { count, [`hours.${hour}`]: count },
      $max: { lastAt: at },
      // The latest message of a text names its example and the rule that answered it.
      ...(kind === 'text' ? { $set: { example, rule } } : {}),
      $setOnInsert: kind === 'text' ? { kind, slot, text } : { kind, slot, rule, text },
    };
    try {
      await this.models.RuleCount.updateOne({ _id }, update, { upsert: true });
    } catch (err) {
      // Two first hits of one bucket at once: the other inserted it, so this one updates it.
      if (!isDuplicateKeyError(err)) throw err;
      await this.models.RuleCount.updateOne({ _id }, update, { upsert: true });
    }
  }
}

function bucketsOf(hit: InboundHit, loaded: LoadedRules): Bucket[] {
  const day = dayOf(hit.at);
  const hour = hourOf(hit.at);
  const buckets: Bucket[] = [
    {
      _id: `${day}|rule|${hit.rule ?? ''}`,
      kind: 'rule',
      slot: slotOf('rule', hit.at),
      hour,
      rule: hit.rule,
      text: null,
      example: null,
    },
  ];
  const compliance = hit.kind === 'opt_out' || hit.kind === 'opt_in' || hit.kind === 'help';
  const unanswered = hit.rule === null ? !compliance : loaded.catchAll.includes(hit.rule);
  if (unanswered) {
    const text = normalizeText(hit.body);
    buckets.push({
      _id: `${day}|text|${text}`,
      kind: 'text',
      slot: slotOf('text', hit.at),
      hour,
      rule: hit.rule,
      text,
      example: hit.body,
    });
  }
  return buckets;
}

function complianceKind(text: string, compliance: ComplianceConfig): DecisionKind {
  if (compliance.optOut.includes(text)) return 'opt_out';
  if (compliance.optIn.includes(text)) return 'opt_in';
  if (compliance.help.includes(text)) return 'help';
  return 'none';
}

function startOfHour(at: Date): Date {
  return new Date(Math.floor(at.getTime() / HOUR_MS) * HOUR_MS);
}

/** `2026-03-04` (UTC). */
function dayOf(at: Date): string {
  return at.toISOString().slice(0, 10);
}

/** `h17`: the UTC hour's key in a bucket's `hours`. */
function hourOf(at: Date): string {
  return `h${at.toISOString().slice(11, 13)}`;
}

/** `rule:2026-03-04`: the indexed key a window is read by. */
function slotOf(kind: 'rule' | 'text', at: Date): string {
  return `${kind}:${dayOf(at)}`;
}
