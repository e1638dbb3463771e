// A thread as the rules see it, and what a rule's outcome does to it: pure, the one place that says
// so for the webhook, the outage cache, the dry run, conversation tests and replay.
import type { ThreadDoc } from '../db/models/thread';

/** What the outage cache keeps of a thread: enough to decide the next message without the database. */
export interface ThreadState {
  state: string | null;
  vars: Record<string, unknown>;
  tags: string[];
  /** Messages the contact sent on the thread. */
  inboundCount: number;
  optedOut: boolean;
  firstSeen: Date | null;
}

/** What an outcome can do to a thread (an `Outcome` of content/evaluate.ts is one). */
export interface ThreadEffect {
  /** Variables to set, already rendered. */
  set: Record<string, unknown>;
  /** undefined = unchanged, null = cleared. */
  state?: string | null;
  tags: { add: readonly string[]; remove: readonly string[] };
  optOut: boolean;
  optIn: boolean;
}

/**
 * Only what the message changed, so the store's update leaves every other field as another
 * writer (an admin's opt-out, a message on another instance) may have left it.
 */
export interface ThreadChanges {
  state?: string | null;
  /** Only the variables the outcome set. */
  vars: Record<string, unknown>;
  tags?: string[];
  optedOut?: boolean;
  /** The thread's first message. */
  firstSeen?: Date;
}

export interface AppliedOutcome {
  /** The thread after the message. */
  thread: ThreadState;
  changes: ThreadChanges;
}

/** A contact we have not heard from. */
export function newThreadState(): ThreadState {
  return { state: null, vars: {}, tags: [], inboundCount: 0, optedOut: false, firstSeen: null };
}

/** What the rules see of a stored thread. */
export function threadState(thread: ThreadDoc): ThreadState {
  return {
    state: thread.state ?? null,
    vars: (thread.vars as Record<string, unknown>) ?? {},
    tags: thread.tags ?? [],
    inboundCount: thread.inboundCount ?? 0,
    optedOut: Boolean(thread.optedOut),
    firstSeen: thread.firstMessageAt ?? null,
  };
}

/**
 * The thread once it took in one message from the contact at `now` and the outcome's effect
 * (null: no rules loaded, the message is only counted).
 */
export function applyOutcome(
  before: ThreadState,
  effect: ThreadEffect | null,
  now: Date,
): AppliedOutcome {
  const changes: ThreadChanges = { vars: { ...effect?.set } };
  if (before.firstSeen === null) changes.firstSeen = now;
  if (effect?.state !== undefined) changes.state = effect.state;
  if (effect && (effect.tags.add.length > 0 || effect.tags.remove.length > 0)) {
    const tags = new Set(before.tags);
    for (const t of effect.tags.add) tags.add(t);
    for (const t of effect.tags.remove) tags.delete(t);
    changes.tags = [...tags];
  }
  if (effect?.optOut) changes.optedOut = true;
  else if (effect?.optIn) changes.optedOut = false;

  const thread: ThreadState = {
    state: changes.state !== undefined ? changes.state : before.state,
    vars: { ...before.vars, ...changes.vars },
    tags: changes.tags ?? before.tags,
    inboundCount: before.inboundCount + 1,
    optedOut: changes.optedOut ?? before.optedOut,
    firstSeen: before.firstSeen ?? now,
  };
  return { thread, changes };
}
