// Which rules answer, and what nobody answers: read from the stored inbound messages (each keeps
// the id of the rule that answered it, or null). Reads only.
//
// FerretDB v1 (the embedded database) knows only $count and $sum as $group accumulators, so the
// last hit of each rule is one small sorted query per rule rather than a $max; both are served by
// the messages index {direction, rule, createdAt} (src/db/models/message.ts).
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
    const groups = await this.models.Message.aggregate<{ _id: string | null; hits: number }>([
      { $match: { direction: 'inbound', createdAt: { $gte: since } } },
      { $group: { _id: '$rule', hits: { $sum: 1 } } },
    ]);
    const hits = new Map(groups.map((g) => [g._id ?? null, g.hits]));
    const last = await Promise.all(
      [...hits.keys()].map(async (rule) => [rule, await this.lastHit(rule, since)] as const),
    );
    const lastHit = new Map(last);
    const seen = [...hits.keys()].filter((r): r is string => r !== null);
    const rules: RuleHits[] = [
      ...loaded.ids.map((id) => ({ id, loaded: true })),
      ...seen.filter((id) => !loaded.ids.includes(id)).map((id) => ({ id, loaded: false })),
    ].map(({ id, loaded: isLoaded }) => ({
      id,
      hits: hits.get(id) ?? 0,
      lastHitAt: lastHit.get(id) ?? null,
      loaded: isLoaded,
    }));
    // Most used first; ties keep rule order.
    rules.sort((a, b) => b.hits - a.hits);
    return {
      since,
      messages: groups.reduce((sum, g) => sum + g.hits, 0),
      rules,
      noRule: { hits: hits.get(null) ?? 0, lastHitAt: lastHit.get(null) ?? null },
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
      .cursor();
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

  private async lastHit(rule: string | null, since: Date): Promise<Date | null> {
    const latest = await this.models.Message.findOne(
      { direction: 'inbound', rule, createdAt: { $gte: since } },
      { createdAt: 1 },
    )
      .sort({ createdAt: -1 })
      .lean<{ createdAt: Date }>();
    return latest?.createdAt ?? null;
  }
}
