// Runs conversation tests (SPEC §8) in memory: each message goes through the webhook's decision
// (evaluate) and thread update (applyOutcome) on a controlled clock; the follow-ups rules schedule
// are sent when a `wait` reaches them. No database, no network, no real time.
import { applyOutcome, type ThreadState } from '../conversations/threadState';
import { countSegments } from '../outbound/segments';
import {
  firstNamedNumber,
  ordinaryMoment,
  type ConversationStep,
  type ConversationTest,
  type RuleSet,
  type StepExpectation,
} from '../rules';
import { buildTemplateContext, splitMessage } from '../templates';
import type { BotContentSnapshot } from './botContent';
import { evaluateOn, type Outcome } from './evaluate';

/** The texter of a conversation that names none (555-01xx numbers are reserved for fiction). */
export const TEST_CONTACT = '+15555550100';
/** Our number when neither TWILIO_FROM nor the rules name one. */
const FALLBACK_NUMBER = '+15555550199';

/**
 * The number tools pretend was texted when the user names none: TWILIO_FROM when it is a phone
 * number (a Messaging Service SID is never a message's `To`), else the first number the rules
 * name in a `to` condition, so a rule scoped to our number matches as it does on the webhook.
 */
export function defaultOurNumber(ruleSet: RuleSet, twilioFrom: string | null | undefined): string {
  if (twilioFrom && twilioFrom.startsWith('+')) return twilioFrom;
  return firstNamedNumber(ruleSet) ?? FALLBACK_NUMBER;
}

/** A follow-up that came due during a `wait`. */
export interface SentFollowUp {
  rule: string | null;
  /** The text sent; null when it was not sent (the contact opted out, or it failed to render). */
  body: string | null;
  skipped: 'opted_out' | null;
  error: string | null;
}

export interface StepResult {
  index: number;
  step: ConversationStep;
  /** Send steps: the decision; wait steps: 'wait'. */
  kind: Outcome['kind'] | 'wait';
  rule: string | null;
  /** The reply's messages, one per `<Message>` of the TwiML. */
  replies: string[];
  media: string[];
  /** Set when a template failed and the fallback answered. */
  error: string | null;
  sent: SentFollowUp[];
  /** The thread after the step. */
  thread: ThreadState;
  /** What did not meet `expect`, one line each; empty = the step passed. */
  problems: string[];
}

export interface ConversationResult {
  test: ConversationTest;
  ok: boolean;
  /** Every step, run even after a failure so that coverage (lint) sees the whole conversation. */
  steps: StepResult[];
  /** The first step that failed. */
  failed: StepResult | null;
}

interface PendingFollowUp {
  at: Date;
  rule: string | null;
  template?: string;
  body?: string;
  /** The follow-up's `state:`: the thread moves from `from` (the state the rule left) to `to`. */
  moveState?: { from: string | null; to: string | null };
}

export function runConversation(
  content: BotContentSnapshot,
  test: ConversationTest,
  ourNumber: string,
): ConversationResult {
  const contact = test.contact ?? TEST_CONTACT;
  const to = test.to ?? ourNumber;
  let now = test.start ?? ordinaryMoment(content.ruleSet.defaultTimezone);
  const { given } = test;
  let thread: ThreadState = {
    state: given.state,
    vars: { ...given.vars },
    tags: [...given.tags],
    inboundCount: given.messages,
    optedOut: given.optedOut,
    firstSeen: given.messages > 0 ? now : null,
  };
  const pending: PendingFollowUp[] = [];
  const steps: StepResult[] = [];

  test.steps.forEach((step, index) => {
    if (step.kind === 'send') {
      const message = {
        body: step.body,
        from: contact,
        to,
        media: step.media.map((url) => ({ url })),
      };
      // As the webhook sees a stored thread.
      const outcome = evaluateOn(content, thread, message, now);
      thread = applyOutcome(thread, outcome, now).thread;
      if (outcome.schedule) {
        pending.push({
          at: outcome.schedule.at,
          rule: outcome.rule?.id ?? null,
          ...(outcome.schedule.template === undefined
            ? {}
            : { template: outcome.schedule.template }),
          ...(outcome.schedule.body === undefined ? {} : { body: outcome.schedule.body }),
          ...(outcome.schedule.state === undefined
            ? {}
            : { moveState: { from: thread.state, to: outcome.schedule.state } }),
        });
      }
      const result: StepResult = {
        index,
        step,
        kind: outcome.kind,
        rule: outcome.rule?.id ?? null,
        replies: outcome.replies.flatMap((r) => splitMessage(r.body)),
        media: outcome.replies.flatMap((r) => r.media),
        error: outcome.error,
        sent: [],
        thread,
        problems: [],
      };
      result.problems = check(step.expect, result);
      steps.push(result);
    } else {
      now = new Date(now.getTime() + step.ms);
      const due = pending.filter((f) => f.at.getTime() <= now.getTime());
      due.sort((a, b) => a.at.getTime() - b.at.getTime());
      for (const f of due) pending.splice(pending.indexOf(f), 1);
      const sent = due.map((f) => {
        const followUp = sendFollowUp(content, f, contact, thread);
        // As the scheduler does once it has sent it: only from the state the rule left.
        if (followUp.body !== null && f.moveState && thread.state === f.moveState.from)
          thread = { ...thread, state: f.moveState.to };
        return followUp;
      });
      const result: StepResult = {
        index,
        step,
        kind: 'wait',
        rule: null,
        replies: [],
        media: [],
        error: null,
        sent,
        thread,
        problems: [],
      };
      result.problems = check(step.expect, result);
      steps.push(result);
    }
  });
  const failed = steps.find((s) => s.problems.length > 0) ?? null;
  return { test, ok: failed === null, steps, failed };
}

/**
 * What the scheduler does with a rule's follow-up when it is due: nothing to an opted-out contact;
 * otherwise an inline text as rendered when the rule fired, or the template rendered now with the
 * thread as it stands (the admin send path's context: no message).
 */
function sendFollowUp(
  content: BotContentSnapshot,
  f: PendingFollowUp,
  contact: string,
  thread: ThreadState,
): SentFollowUp {
  if (thread.optedOut) return { rule: f.rule, body: null, skipped: 'opted_out', error: null };
  if (f.body !== undefined) return { rule: f.rule, body: f.body, skipped: null, error: null };
  try {
    const body = content.templates
      .render(
        f.template ?? '',
        buildTemplateContext({
          contact: {
            phone: contact,
            vars: thread.vars,
            tags: thread.tags,
            state: thread.state,
            firstSeen: thread.firstSeen ?? undefined,
            messageCount: thread.inboundCount,
          },
          now: f.at,
        }),
      )
      .trim();
    return { rule: f.rule, body, skipped: null, error: null };
  } catch (err) {
    return { rule: f.rule, body: null, skipped: null, error: (err as Error).message };
  }
}

const show = (value: unknown) => JSON.stringify(value);

function check(expect: StepExpectation, r: StepResult): string[] {
  const problems: string[] = [];
  const text = r.replies.join('\n');
  const sentBodies = r.sent.flatMap((s) => (s.body === null ? [] : [s.body]));
  for (const s of r.sent) {
    if (s.error !== null) problems.push(`follow-up of rule ${s.rule} failed: ${s.error}`);
  }
  if (r.error !== null) problems.push(`a template failed and the fallback answered: ${r.error}`);
  if (expect.rule !== undefined && expect.rule !== r.rule) {
    problems.push(
      `rule: expected ${expect.rule ?? '(none)'}, got ${r.rule ?? `(none: ${r.kind})`}`,
    );
  }
  if (expect.reply !== undefined && show(expect.reply) !== show(r.replies)) {
    problems.push(`reply: expected ${showReply(expect.reply)}, got ${showReply(r.replies)}`);
  }
  for (const part of expect.replyContains ?? []) {
    if (!text.includes(part)) problems.push(`reply: expected it to contain ${show(part)}`);
  }
  if (expect.replyMatches !== undefined && !expect.replyMatches.test(text)) {
    problems.push(`reply: expected it to match /${expect.replyMatches.source}/`);
  }
  const replied = r.replies.length > 0 || r.media.length > 0;
  if (expect.noReply === true && replied) problems.push('reply: expected none');
  if (expect.noReply === false && !replied) problems.push('reply: expected one, got none');
  if (expect.segmentsMax !== undefined) {
    for (const part of r.replies) {
      const { segments, encoding } = countSegments(part);
      if (segments > expect.segmentsMax) {
        problems.push(
          `segments: ${segments} (${encoding}) for ${show(part)}; at most ${expect.segmentsMax} expected`,
        );
      }
    }
  }
  if (expect.state !== undefined && expect.state !== r.thread.state) {
    problems.push(`state: expected ${expect.state ?? 'null'}, got ${r.thread.state ?? 'null'}`);
  }
  for (const [name, value] of Object.entries(expect.vars ?? {})) {
    const actual = r.thread.vars[name];
    const same =
      value === null
        ? actual === undefined || actual === null || actual === ''
        : actual !== undefined && actual !== null && String(actual) === String(value);
    if (!same) problems.push(`vars.${name}: expected ${show(value)}, got ${show(actual ?? null)}`);
  }
  for (const tag of expect.tagsInclude ?? []) {
    if (!r.thread.tags.includes(tag))
      problems.push(`tags: expected ${show(tag)} among ${show(r.thread.tags)}`);
  }
  for (const tag of expect.tagsExclude ?? []) {
    if (r.thread.tags.includes(tag))
      problems.push(`tags: expected no ${show(tag)}, got ${show(r.thread.tags)}`);
  }
  if (expect.optedOut !== undefined && expect.optedOut !== r.thread.optedOut) {
    problems.push(`opted_out: expected ${expect.optedOut}, got ${r.thread.optedOut}`);
  }
  if (expect.sent !== undefined && show(expect.sent) !== show(sentBodies)) {
    problems.push(`sent: expected ${show(expect.sent)}, got ${show(sentBodies)}`);
  }
  for (const part of expect.sentContains ?? []) {
    if (!sentBodies.some((b) => b.includes(part))) {
      problems.push(`sent: expected a follow-up containing ${show(part)}, got ${show(sentBodies)}`);
    }
  }
  return problems;
}

function showReply(parts: string[]): string {
  if (parts.length === 0) return '(no reply)';
  return parts.length === 1 ? show(parts[0]) : show(parts);
}
