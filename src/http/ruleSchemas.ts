// Rule analytics request/response schemas: the single source for validating /api/rules/stats and
// /api/rules/unmatched and for documenting them.
import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { parseDuration } from '../duration';
import type { OpenApiAdd, OpenApiHelpers } from './openapi';

extendZodWithOpenApi(z);

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

const Timestamp = z.string().datetime();

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

export function ruleAnalyticsOpenApiPaths(
  add: OpenApiAdd,
  { admin, json, adminErrors }: OpenApiHelpers,
): void {
  add('get', '/api/rules/stats', {
    summary: 'Hits per rule, and when each rule last answered',
    description:
      'Counted from the stored inbound messages since the given time. Every loaded rule is listed, with 0 hits when it never answered. The same hits, since the instance started, are in /metrics as replybot_rule_hits_total.',
    tags: ['rules'],
    security: admin,
    request: { query: RuleStatsQuery },
    responses: { 200: json(RuleStatsResponse, 'Hits per rule, most first'), ...adminErrors },
  });
  add('get', '/api/rules/unmatched', {
    summary: 'What texters ask that no rule answers',
    description:
      'Messages answered by a catch-all rule (one without conditions) or by no rule, grouped by their normalised text, most frequent first. Compliance keywords (STOP, HELP, …) are left out.',
    tags: ['rules'],
    security: admin,
    request: { query: RuleUnmatchedQuery },
    responses: { 200: json(RuleUnmatchedResponse, 'Groups of unmatched messages'), ...adminErrors },
  });
}
