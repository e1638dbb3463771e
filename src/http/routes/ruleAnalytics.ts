// Rule analytics for editors: which rules answer (stats) and what texters ask that none does
// (unmatched), from the counts kept as messages arrive (src/analytics/ruleAnalytics.ts). Its
// schemas and operations.
import { z } from 'zod';
import { loadedRulesOf, type LoadedRules, type RuleAnalytics } from '../../analytics/ruleAnalytics';
import type { BotContent } from '../../content/botContent';
import { parseDuration } from '../../duration';
import { ServiceUnavailableError } from '../../errors';
import { Timestamp } from '../fields';
import { operation } from '../operation';
import { loaded, type RuleDeps } from './rules';

/** At most a year back: older messages are for the database's own tools. */
const MAX_SINCE_MS = 366 * 86_400_000;

const Since = z
  .string()
  .default('7d')
  .transform((value, ctx) => {
    const ms = parseDuration(value);
    if (typeof ms === 'string') {
      ctx.addIssue({ code: 'custom', message: ms });
      return z.NEVER;
    }
    if (ms > MAX_SINCE_MS) {
      ctx.addIssue({ code: 'custom', message: 'at most 366d' });
      return z.NEVER;
    }
    return ms;
  })
  .openapi({
    type: 'string',
    description:
      'How far back: a duration such as 30m, 24h, 7d or 1d12h (default 7d, at most 366d)',
    example: '7d',
  });

export const RuleStatsQuery = z.object({ since: Since }).strict();

export const RuleUnmatchedQuery = z
  .object({
    since: Since,
    limit: z.coerce
      .number()
      .int()
      .min(1)
      .max(500)
      .default(50)
      .openapi({ type: 'integer', description: 'Most groups returned (1-500, default 50)' }),
  })
  .strict();

export const RuleStatsResponse = z
  .object({
    since: Timestamp,
    messages: z.number().int().openapi({ description: 'Inbound messages in the window' }),
    rules: z.array(
      z.object({
        id: z.string(),
        hits: z.number().int(),
        lastHitAt: Timestamp.nullable(),
        loaded: z
          .boolean()
          .openapi({ description: 'False for a rule that answered then but is not loaded now' }),
      }),
    ),
    noRule: z.object({ hits: z.number().int(), lastHitAt: Timestamp.nullable() }).openapi({
      description:
        'Messages no rule answered: nothing matched, a compliance keyword, or an opted-out contact',
    }),
  })
  .openapi('RuleStats');

export const RuleUnmatchedResponse = z
  .object({
    since: Timestamp,
    total: z.number().int(),
    groups: z.array(
      z.object({
        text: z
          .string()
          .openapi({ description: 'Normalised: lower case, no surrounding punctuation' }),
        count: z.number().int(),
        lastSeenAt: Timestamp,
        example: z.string().openapi({ description: 'The latest message as written' }),
        rule: z
          .string()
          .nullable()
          .openapi({ description: 'The catch-all rule that answered; null when no rule did' }),
      }),
    ),
  })
  .openapi('RuleUnmatched');

/** What the analytics need to know of the rules loaded now. */
function loadedRules(content: BotContent): LoadedRules {
  return loadedRulesOf(loaded(content).ruleSet);
}

function analyticsOf(deps: RuleDeps): RuleAnalytics {
  if (!deps.analytics) throw new ServiceUnavailableError(undefined, 'analytics_unavailable');
  return deps.analytics;
}

const op = operation<RuleDeps>();

export const ruleAnalyticsOperations = [
  op({
    method: 'get',
    path: '/api/rules/stats',
    auth: 'admin',
    tag: 'rules',
    summary: 'Hits per rule, and when each rule last answered',
    description:
      'Counted as messages arrive, by the hour: the window starts at the start of the hour `since` falls in (the `since` of the answer). Every loaded rule is listed, with 0 hits when it never answered. The same hits, since the instance started, are in /metrics as replybot_rule_hits_total.',
    query: RuleStatsQuery,
    responses: { 200: { description: 'Hits per rule, most first', schema: RuleStatsResponse } },
    errors: ['rules_not_loaded', 'analytics_unavailable'],
    handle: async ({ query }, deps) => {
      const from = new Date(deps.clock.now().getTime() - query.since);
      const stats = await analyticsOf(deps).stats(from, loadedRules(deps.content));
      return {
        since: stats.since.toISOString(),
        messages: stats.messages,
        rules: stats.rules.map((r) => ({ ...r, lastHitAt: r.lastHitAt?.toISOString() ?? null })),
        noRule: {
          hits: stats.noRule.hits,
          lastHitAt: stats.noRule.lastHitAt?.toISOString() ?? null,
        },
      };
    },
  }),
  op({
    method: 'get',
    path: '/api/rules/unmatched',
    auth: 'admin',
    tag: 'rules',
    summary: 'What texters ask that no rule answers',
    description:
      'Messages answered by a catch-all rule (one without conditions) or by no rule, grouped by their normalised text, most frequent first. Compliance keywords (STOP, HELP, …) are left out.',
    query: RuleUnmatchedQuery,
    responses: {
      200: { description: 'Groups of unmatched messages', schema: RuleUnmatchedResponse },
    },
    errors: ['analytics_unavailable'],
    handle: async ({ query }, deps) => {
      const from = new Date(deps.clock.now().getTime() - query.since);
      const unmatched = await analyticsOf(deps).unmatched(from, query.limit);
      return {
        since: unmatched.since.toISOString(),
        total: unmatched.total,
        groups: unmatched.groups.map((g) => ({ ...g, lastSeenAt: g.lastSeenAt.toISOString() })),
      };
    },
  }),
];
