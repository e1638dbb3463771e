// Replays stored conversations through a candidate rule set: each thread's inbound messages in
// order from its first, through the webhook's decision (evaluate) and thread update (applyOutcome),
// compared with what was answered then. Pure: the history is given, nothing is written.
import type { StoredThread } from '../analytics/history';
import { applyOutcome, newThreadState } from '../conversations/threadState';
import type { BotContentSnapshot } from './botContent';
import { evaluateOn } from './evaluate';

export interface ReplayedMessage {
  contact: string;
  number: string;
  /** The thread's n-th message from the contact. */
  n: number;
  body: string;
  at: Date;
  before: { rule: string | null; reply: string[] };
  after: { rule: string | null; reply: string[] };
  changed: boolean;
}

/**
 * Every inbound message of the thread, replayed from an empty thread (state, vars, tags and
 * opt-out rebuilt by the candidate rules themselves), each at its original time. Messages before
 * `since` are replayed for the state they leave but not returned.
 */
export function replayThread(
  content: BotContentSnapshot,
  thread: StoredThread,
  since: Date,
): ReplayedMessage[] {
  let state = newThreadState();
  const replayed: ReplayedMessage[] = [];
  for (const m of thread.inbound) {
    const message = { body: m.body, from: thread.contact, to: thread.number, media: m.media };
    const outcome = evaluateOn(content, state, message, m.createdAt);
    state = applyOutcome(state, outcome, m.createdAt).thread;
    if (m.createdAt < since) continue;
    const after = { rule: outcome.rule?.id ?? null, reply: outcome.replies.map((r) => r.body) };
    const before = { rule: m.rule, reply: m.replies };
    replayed.push({
      contact: thread.contact,
      number: thread.number,
      n: m.n,
      body: m.body,
      at: m.createdAt,
      before,
      after,
      changed:
        before.rule !== after.rule || JSON.stringify(before.reply) !== JSON.stringify(after.reply),
    });
  }
  return replayed;
}

export interface RuleShift {
  rule: string;
  before: number;
  after: number;
}

/** Messages answered per rule before and after ("(none)" for no rule), most changed first. */
export function summariseByRule(messages: readonly ReplayedMessage[]): RuleShift[] {
  const counts = new Map<string, RuleShift>();
  const bump = (rule: string | null, side: 'before' | 'after') => {
    const name = rule ?? '(none)';
    const entry = counts.get(name) ?? { rule: name, before: 0, after: 0 };
    entry[side]++;
    counts.set(name, entry);
  };
  for (const m of messages) {
    bump(m.before.rule, 'before');
    bump(m.after.rule, 'after');
  }
  return [...counts.values()].sort(
    (a, b) =>
      Math.abs(b.after - b.before) - Math.abs(a.after - a.before) ||
      b.before - a.before ||
      (a.rule < b.rule ? -1 : 1),
  );
}
