// The rules API for editors: what is loaded, reload now, a dry run of one message through the rules,
// Its schemas and operations; which rules answer and what none does are in ruleAnalytics.ts.
import { z } from 'zod';
import type { RuleAnalytics } from '../../analytics/ruleAnalytics';
import type { Clock } from '../../clock';
import type { BotContent, BotContentSnapshot } from '../../content/botContent';
import { defaultOurNumber } from '../../content/conversations';
import { evaluate } from '../../content/evaluate';
import { RulesInvalidError, ServiceUnavailableError } from '../../errors';
import { MediaUrls, Phone, Timestamp } from '../fields';
import { operation } from '../operation';

export interface RuleDeps {
  content: BotContent;
  clock: Clock;
  /** TWILIO_FROM: the number a test message is sent to when the request names none. */
  ourNumber?: string | null;
  /** Stats and unmatched messages (ruleAnalytics.ts); without it those routes answer 503. */
  analytics?: RuleAnalytics;
}

export const RuleTestRequest = z
  .object({
    body: z.string().max(5000),
    from: Phone.optional(),
    to: z.string().max(40).optional().openapi({
      description:
        'Our number the message was sent to; default TWILIO_FROM, else the first number a `to` condition of the rules names (as the webhook would see it).',
    }),
    state: z.string().max(200).nullable().optional(),
    vars: z.record(z.string(), z.unknown()).optional(),
    tags: z.array(z.string().max(100)).max(100).optional(),
    messageCount: z.number().int().min(0).optional().openapi({
      description:
        'Messages the contact sent before this one; default 0, a new contact (so `first_message` holds).',
    }),
    optedOut: z.boolean().optional().openapi({
      description:
        'The contact opted out before this message; default false. An opted-out contact gets answers to the opt-in and help keywords only, as on the webhook.',
    }),
    media: MediaUrls.optional(),
  })
  .strict()
  .openapi('RuleTestRequest');

export const RuleTestResponse = z
  .object({
    kind: z.enum(['opt_out', 'opt_in', 'help', 'rule', 'none']),
    rule: z.object({ id: z.string(), description: z.string().optional() }).nullable(),
    match: z.record(z.string(), z.string()),
    replies: z.array(z.object({ body: z.string(), media: z.array(z.string()) })),
    twiml: z.string(),
    actions: z.object({
      set: z.record(z.string(), z.string()),
      state: z.string().nullable().optional(),
      tags: z.object({ add: z.array(z.string()), remove: z.array(z.string()) }),
      schedule: z
        .object({
          at: Timestamp,
          template: z.string().optional(),
          body: z.string().optional(),
        })
        .nullable(),
      optOut: z.boolean(),
      optIn: z.boolean(),
    }),
    error: z.string().nullable(),
  })
  .openapi('RuleTestResponse');

export const RulesStatus = z
  .object({
    version: z.string().nullable(),
    loadedAt: Timestamp.nullable(),
    files: z.array(z.string()),
    rules: z.array(
      z.object({
        id: z.string(),
        description: z.string().optional(),
        enabled: z.boolean(),
        file: z.string(),
        line: z.number().int(),
        examples: z.array(z.string()),
      }),
    ),
    templates: z.array(z.string()),
    warnings: z.array(z.string()),
    lastError: z.object({ at: Timestamp, errors: z.array(z.string()) }).nullable(),
  })
  .openapi('RulesStatus');

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

export function loaded(content: BotContent): BotContentSnapshot {
  const current = content.current();
  if (!current) throw new ServiceUnavailableError(undefined, 'rules_not_loaded');
  return current;
}

/** One message through the loaded rules, with nothing stored or sent. */
function dryRun(
  current: BotContentSnapshot,
  input: z.infer<typeof RuleTestRequest>,
  clock: Clock,
  ourNumber: string | null | undefined,
) {
  const now = clock.now();
  const outcome = evaluate(current, {
    message: {
      body: input.body,
      from: input.from ?? '+15555550100',
      // As the webhook would see it: sent to our number (TWILIO_FROM, else the one the rules name).
      to: input.to ?? defaultOurNumber(current.ruleSet, ourNumber),
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
  return {
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
  };
}

const op = operation<RuleDeps>();

export const ruleOperations = [
  op({
    method: 'get',
    path: '/api/rules',
    auth: 'admin',
    tag: 'rules',
    summary: 'The loaded rules, their version and the last load error',
    readsDatabase: false,
    responses: { 200: { description: 'Rules status', schema: RulesStatus } },
    handle: (_input, { content }) => rulesStatus(content),
  }),
  op({
    method: 'post',
    path: '/api/rules/reload',
    auth: 'admin',
    tag: 'rules',
    summary: 'Reload rules and templates now',
    description:
      'A broken set answers 422 rules_invalid with each error (file:line:column) in `details.errors`; the last good set stays in force.',
    readsDatabase: false,
    responses: { 200: { description: 'Loaded', schema: RulesStatus } },
    errors: ['rules_invalid'],
    handle: async (_input, { content, clock }) => {
      const result = await content.reload();
      // A bad set is the caller's to fix (422), not a server error; the last good set stays loaded.
      if (!result.ok)
        throw new RulesInvalidError(result.errors, content.lastFailure()?.at ?? clock.now());
      return rulesStatus(content);
    },
  }),
  op({
    method: 'post',
    path: '/api/rules/test',
    auth: 'admin',
    tag: 'rules',
    summary: 'Run one message through the rules without side effects',
    readsDatabase: false,
    body: {
      type: 'application/json',
      schema: RuleTestRequest,
      example: { body: 'hours', from: '+14155550123', messageCount: 1 },
    },
    responses: { 200: { description: 'What the bot would do', schema: RuleTestResponse } },
    errors: ['rules_not_loaded'],
    handle: ({ body }, { content, clock, ourNumber }) =>
      dryRun(loaded(content), body, clock, ourNumber),
  }),
];
