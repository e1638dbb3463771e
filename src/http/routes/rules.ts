// Admin API for editors: what is loaded, reload now, a dry run of one message through the rules,
// and which rules answer (stats) and what none does (unmatched).
import { Router } from 'express';
import { loadedRulesOf, type LoadedRules, type RuleAnalytics } from '../../analytics/ruleAnalytics';
import type { Clock } from '../../clock';
import type { BotContent } from '../../content/botContent';
import { defaultOurNumber } from '../../content/conversations';
import { evaluate } from '../../content/evaluate';
import { RulesInvalidError, ServiceUnavailableError } from '../../errors';
import { requireJson } from '../middleware/requireJson';
import { RuleStatsQuery, RuleUnmatchedQuery } from '../ruleSchemas';
import { RuleTestRequest } from '../schemas';
import { parseInput } from '../validate';

export interface RuleRouteOptions {
  /** TWILIO_FROM: the number a test message is sent to when the request names none. */
  ourNumber?: string | null;
  /** Stats and unmatched messages; without it those routes answer 503. */
  analytics?: RuleAnalytics;
}

export function rulesStatus(content: BotContent) {
  const current = content.current();
  const failure = content.lastFailure();
  return {
    version: current?.version ?? null,
    loadedAt: current?.loadedAt.toISOString() ?? null,
    files: current?.ruleSet.files ?? [],
    rules: current?.ruleSet.rules ?? [],
    templates: current ? [...current.templates.names].sort() : [],
    warnings: current?.ruleSet.warnings ?? [],
    lastError: failure ? { at: failure.at.toISOString(), errors: failure.errors } : null,
  };
}

/** What the analytics need to know of the rules loaded now. */
function loadedRules(content: BotContent): LoadedRules {
  const current = content.current();
  if (!current) throw new ServiceUnavailableError(undefined, 'rules_not_loaded');
  return loadedRulesOf(current.ruleSet);
}

export function ruleRoutes(
  content: BotContent,
  clock: Clock,
  options: RuleRouteOptions = {},
): Router {
  const router = Router();
  const analytics = () => {
    if (!options.analytics) throw new ServiceUnavailableError(undefined, 'analytics_unavailable');
    return options.analytics;
  };

  router.get('/api/rules/stats', async (req, res) => {
    const { since } = parseInput(RuleStatsQuery, req.query, 'query');
    const from = new Date(clock.now().getTime() - since);
    const stats = await analytics().stats(from, loadedRules(content));
    res.json({
      since: stats.since.toISOString(),
      messages: stats.messages,
      rules: stats.rules.map((r) => ({ ...r, lastHitAt: r.lastHitAt?.toISOString() ?? null })),
      noRule: { hits: stats.noRule.hits, lastHitAt: stats.noRule.lastHitAt?.toISOString() ?? null },
    });
  });

  router.get('/api/rules/unmatched', async (req, res) => {
    const { since, limit } = parseInput(RuleUnmatchedQuery, req.query, 'query');
    const from = new Date(clock.now().getTime() - since);
    const unmatched = await analytics().unmatched(from, limit);
    res.json({
      since: unmatched.since.toISOString(),
      total: unmatched.total,
      groups: unmatched.groups.map((g) => ({ ...g, lastSeenAt: g.lastSeenAt.toISOString() })),
    });
  });

  router.get('/api/rules', (_req, res) => {
    res.json(rulesStatus(content));
  });

  router.post('/api/rules/reload', async (_req, res) => {
    const result = await content.reload();
    // A bad set is the caller's to fix (422), not a server error; the last good set stays loaded.
    if (!result.ok)
      throw new RulesInvalidError(result.errors, content.lastFailure()?.at ?? clock.now());
    res.json(rulesStatus(content));
  });

  router.post('/api/rules/test', requireJson, (req, res) => {
    const input = parseInput(RuleTestRequest, req.body);
    const current = content.current();
    if (!current) throw new ServiceUnavailableError(undefined, 'rules_not_loaded');
    const now = clock.now();
    const outcome = evaluate(current, {
      message: {
        body: input.body,
        from: input.from ?? '+15555550100',
        // As the webhook would see it: sent to our number (TWILIO_FROM, else the one the rules name).
        to: input.to ?? defaultOurNumber(current.ruleSet, options.ourNumber),
        media: (input.media ?? []).map((url) => ({ url })),
      },
      thread: {
        state: input.state ?? null,
        vars: input.vars ?? {},
        tags: input.tags ?? [],
        // Messages the contact sent before this one; by default a new contact, as a first text
        // would be (so a `first_message` rule is reachable).
        messageCount: input.messageCount ?? 0,
        optedOut: input.optedOut ?? false,
        firstSeen: null,
      },
      now,
    });
    res.json({
      kind: outcome.kind,
      rule: outcome.rule,
      match: outcome.match,
      replies: outcome.replies,
      twiml: outcome.twiml,
      actions: {
        set: outcome.set,
        state: outcome.state,
        tags: outcome.tags,
        schedule: outcome.schedule
          ? { ...outcome.schedule, at: outcome.schedule.at.toISOString() }
          : null,
        optOut: outcome.optOut,
        optIn: outcome.optIn,
      },
      error: outcome.error,
    });
  });

  return router;
}
