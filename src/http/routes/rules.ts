// Admin API for editors: what is loaded, reload now, and a dry run of one message through the rules.
import { Router } from 'express';
import type { Clock } from '../../clock';
import type { BotContent } from '../../content/botContent';
import { evaluate } from '../../content/evaluate';
import { ServiceUnavailableError } from '../../errors';
import { requireJson } from '../middleware/requireJson';
import { RuleTestRequest } from '../schemas';
import { parseInput } from '../validate';

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

export function ruleRoutes(content: BotContent, clock: Clock): Router {
  const router = Router();

  router.get('/api/rules', (_req, res) => {
    res.json(rulesStatus(content));
  });

  router.post('/api/rules/reload', async (_req, res) => {
    const result = await content.reload();
    // A bad set is not a server error: the request worked and reports what is wrong.
    res.status(result.ok ? 200 : 422).json({ ok: result.ok, ...rulesStatus(content) });
  });

  router.post('/api/rules/test', requireJson, (req, res) => {
    const input = parseInput(RuleTestRequest, req.body);
    const current = content.current();
    if (!current) throw new ServiceUnavailableError('No rules are loaded', 'rules_not_loaded');
    const now = clock.now();
    const outcome = evaluate(current, {
      message: {
        body: input.body,
        from: input.from ?? '+15555550100',
        to: input.to ?? '+15555550199',
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
