// Which rules answer, and what nobody answers: read from the stored inbound messages (each keeps
// the id of the rule that answered it, or null). Reads only.
//
// Both read the window's inbound messages once, through the messages index {direction, createdAt,
// rule} (src/db/models/message.ts), and count in the app: FerretDB v1 (the embedded database)
// knows only $count and $sum as $group accumulators, so a $max of the last hit is not available,
// and one query per rule would read the window again for each. On MongoDB the stats read is
// covered by the index (no document is fetched). Figures: docs/benchmarks.md.
import type { Models } from '../db/models';
import { normalizeText, type ComplianceConfig } from '../rules';

export interface RuleHits {
  id: string;
  hits: number;
  lastHitAt: Date | null;
  /** False for a rule that answered in the window but is not in the rules loaded now. */
  loaded: boolean;
}

export interface RuleStats {
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

export class RuleAnalytics {
  constructor(private readonly models: Pick<Models, 'Message'>) {}

  async stats(since: Date, loaded: LoadedRules): Promise<RuleStats> {
    // One pass over the window's inbound messages, counting and keeping each rule's latest.
    const hits = new Map<string | null, { hits: number; lastHitAt: Date }>();
    let messages = 0;
    const cursor = this.models.Message.find(
      { direction: 'inbound', createdAt: { $gte: since } },
      { _id: 0, rule: 1, createdAt: 1 },
    )
      .lean<{ rule?: string | null; createdAt: Date }>()
      .cursor({ batchSize: 5000 });
    for await (const m of cursor) {
      messages++;
      const rule = m.rule ?? null;
      const seen = hits.get(rule);
      if (seen === undefined) hits.set(rule, { hits: 1, lastHitAt: m.createdAt });
      else {
        seen.hits++;
        if (m.createdAt > seen.lastHitAt) seen.lastHitAt = m.createdAt;
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
      since,
      messages,
      rules,
      noRule: { hits: none?.hits ?? 0, lastHitAt: none?.lastHitAt ?? null },
    };
  }

  async unmatched(since: Date, loaded: LoadedRules, limit: number): Promise<Unmatched> {
    const { compliance } = loaded;
    const keywords = new Set([...compliance.optOut, ...compliance.optIn, ...compliance.help]);
    const byText = new Map<string, UnmatchedGroup>();
    let total = 0;
    const cursor = this.models.Message.find(
      {
        direction: 'inbound',
        rule: { $in: [null, ...loaded.catchAll] },
        createdAt: { $gte: since },
      },
      { body: 1, rule: 1, createdAt: 1 },
    )
      .lean<{ body?: string; rule?: string | null; createdAt: Date }>()
      .cursor({ batchSize: 5000 });
    for await (const m of cursor) {
      const body = m.body ?? '';
      const text = normalizeText(body);
      if ((m.rule ?? null) === null && keywords.has(text)) continue;
      total++;
      const group = byText.get(text);
      if (group === undefined) {
        byText.set(text, {
          text,
          count: 1,
          lastSeenAt: m.createdAt,
          example: body,
          rule: m.rule ?? null,
        });
      } else {
        group.count++;
        if (m.createdAt > group.lastSeenAt) {
          group.lastSeenAt = m.createdAt;
          group.example = body;
          group.rule = m.rule ?? null;
        }
      }
    }
    const groups = [...byText.values()].sort(
      (a, b) => b.count - a.count || b.lastSeenAt.getTime() - a.lastSeenAt.getTime(),
    );
    return { since, total, groups: groups.slice(0, limit) };
  }
}
