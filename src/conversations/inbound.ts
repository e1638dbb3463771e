// The inbound pipeline: a texter's message in, the decision applied, the TwiML reply out.
import { Types } from 'mongoose';
import type { Clock } from '../clock';
import type { BotContent } from '../content/botContent';
import { evaluate, type Outcome } from '../content/evaluate';
import { derivedId, messageIdFor, threadIdFor } from '../db/ids';
import { isDuplicateKeyError, type Models } from '../db/models';
import type { MessageDoc } from '../db/models/message';
import type { ThreadDoc } from '../db/models/thread';
import type { Log } from '../logger';
import { buildTwiml } from '../templates';
import type { ConversationStore } from './store';

export interface InboundMessage {
  messageSid: string;
  from: string;
  to: string;
  body: string;
  media: { url: string; contentType: string | null }[];
}

/** What the outage cache keeps of a thread: enough to decide the next message without the database. */
export interface ThreadState {
  state: string | null;
  vars: Record<string, unknown>;
  tags: string[];
  inboundCount: number;
  optedOut: boolean;
  firstSeen: Date | null;
}

export interface InboundResult {
  twiml: string;
  /** The thread after this message (absent for duplicates). */
  thread?: ThreadState;
  /** True when this MessageSid was answered before (a Twilio retry): nothing new was stored. */
  duplicate: boolean;
  kind: Outcome['kind'] | 'duplicate' | 'no_rules';
  rule: string | null;
}

export interface InboundServiceOptions {
  models: Models;
  store: ConversationStore;
  content: BotContent;
  clock: Clock;
  logger: Log;
  timezone: string;
  /** Called once per new inbound message, once it is stored: metrics, the console's live inbox. */
  onInbound?: (
    kind: string,
    rule: string | null,
    stored: { contact: string; number: string; at: Date },
  ) => void;
}

const EMPTY_TWIML = buildTwiml([]);

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

/** The thread as it will be once the outcome is applied (for the outage cache). */
export function stateAfter(
  thread: ThreadState | ThreadDoc,
  outcome: Outcome | null,
  now: Date,
): ThreadState {
  const before = 'contact' in thread ? threadState(thread) : thread;
  const tags = new Set(before.tags);
  for (const t of outcome?.tags.add ?? []) tags.add(t);
  for (const t of outcome?.tags.remove ?? []) tags.delete(t);
  return {
    state: outcome && outcome.state !== undefined ? outcome.state : before.state,
    vars: { ...before.vars, ...(outcome?.set ?? {}) },
    tags: [...tags],
    inboundCount: before.inboundCount + 1,
    optedOut: outcome?.optOut ? true : outcome?.optIn ? false : before.optedOut,
    firstSeen: before.firstSeen ?? now,
  };
}

export class InboundService {
  constructor(private readonly o: InboundServiceOptions) {}

  /** `receivedAt`: when Twilio delivered it (a replay from the outage journal passes the original time). */
  async handle(msg: InboundMessage, receivedAt?: Date): Promise<InboundResult> {
    // One message per thread at a time: the next one sees this one's state, vars and counts.
    return this.o.store.threadLock.run(threadIdFor(msg.from, msg.to), () =>
      this.handleInOrder(msg, receivedAt),
    );
  }

  private async handleInOrder(msg: InboundMessage, receivedAt?: Date): Promise<InboundResult> {
    const key = `in:${msg.messageSid}`;
    const id = messageIdFor(key);
    // One read by _id: the thread as it stands. Whether Twilio sent this MessageSid before is
    // answered by the insert below (its key is unique), which saves a read on every message.
    const existingThread = await this.o.models.Thread.findById(
      threadIdFor(msg.from, msg.to),
    ).lean<ThreadDoc>();

    const now = receivedAt ?? this.o.clock.now();
    const thread = existingThread ?? (await this.o.store.ensureThread(msg.from, msg.to));
    const outcome = this.decide(msg, thread, now);
    if (outcome?.error) {
      this.o.logger.error('reply failed; answered with the fallback', {
        rule: outcome.rule?.id,
        error: outcome.error,
      });
    }
    const twiml = outcome?.twiml ?? EMPTY_TWIML;
    const ruleId = outcome?.rule?.id ?? null;

    // One ordered insert of the message and its replies. The inbound key is the gate: if
    // Twilio's retry raced us here, its insert fails first and nothing of ours is stored twice.
    const replies = outcome?.replies ?? [];
    try {
      await this.o.models.Message.insertMany(
        [
          {
            _id: id,
            key,
            thread: thread._id,
            direction: 'inbound',
            contact: msg.from,
            number: msg.to,
            body: msg.body,
            media: msg.media,
            sid: msg.messageSid,
            status: 'received',
            rule: ruleId,
            replyTwiml: twiml,
            seq: (thread.inboundCount ?? 0) + 1,
            createdAt: now,
          },
          ...replies.map((r, i) => ({
            _id: messageIdFor(`reply:${msg.messageSid}:${i}`),
            key: `reply:${msg.messageSid}:${i}`,
            thread: thread._id,
            direction: 'outbound',
            contact: msg.from,
            number: msg.to,
            body: r.body,
            media: r.media.map((url) => ({ url, contentType: null })),
            status: 'twiml',
            rule: ruleId,
            // A millisecond apart, so "newest first" lists the replies after their message.
            createdAt: new Date(now.getTime() + i + 1),
          })),
        ],
        { ordered: true },
      );
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
      return this.answerRepeat(msg, thread, id);
    }

    await this.takeIn(thread, outcome, msg, key, now);
    this.o.logger.info('inbound handled', {
      kind: outcome?.kind ?? 'no_rules',
      rule: ruleId,
      replies: replies.length,
    });
    return {
      twiml,
      duplicate: false,
      kind: outcome?.kind ?? 'no_rules',
      rule: ruleId,
      thread: stateAfter(thread, outcome, now),
    };
  }

  private decide(msg: InboundMessage, thread: ThreadDoc, now: Date): Outcome | null {
    const content = this.o.content.current();
    if (!content) return null;
    const state = threadState(thread);
    return evaluate(content, {
      message: {
        body: msg.body,
        from: msg.from,
        to: msg.to,
        media: msg.media.map((m) => ({ url: m.url, contentType: m.contentType ?? undefined })),
      },
      thread: { ...state, messageCount: state.inboundCount },
      now,
    });
  }

  /**
   * A MessageSid stored before: Twilio's retry, or a journal replay. It gets the first answer. If
   * the first attempt stored the message but the database went away before the thread took it in,
   * the thread takes it in now, with the decision made from the same thread.
   */
  private async answerRepeat(
    msg: InboundMessage,
    thread: ThreadDoc,
    id: string,
  ): Promise<InboundResult> {
    const first = await this.o.models.Message.findById(id, {
      key: 1,
      replyTwiml: 1,
      rule: 1,
      seq: 1,
      createdAt: 1,
    }).lean<MessageDoc>();
    const repeat: InboundResult = {
      twiml: first?.replyTwiml ?? EMPTY_TWIML,
      duplicate: true,
      kind: 'duplicate',
      rule: first?.rule ?? null,
    };
    // Taken in: the thread's count reached the message's. (Messages stored before `seq` existed
    // have none and count as taken in.)
    if (!first?.seq || (thread.inboundCount ?? 0) >= first.seq) return repeat;

    const outcome = this.decide(msg, thread, first.createdAt);
    await this.takeIn(thread, outcome, msg, first.key, first.createdAt);
    this.o.logger.warn('finished a message an earlier attempt stored but did not apply', {
      rule: outcome?.rule?.id ?? null,
    });
    return { ...repeat, thread: stateAfter(thread, outcome, first.createdAt) };
  }

  /**
   * The thread takes the stored message in: its follow-up and the contact's opt-out first (both
   * idempotent), then the one thread update that counts it. A repeat of the message compares that
   * count with the message's `seq` to find out whether it has to do this again.
   */
  private async takeIn(
    thread: ThreadDoc,
    outcome: Outcome | null,
    msg: InboundMessage,
    key: string,
    now: Date,
  ): Promise<void> {
    if (outcome?.schedule) await this.scheduleFollowUp(thread, outcome, msg, key);
    // Opt-out is per contact: record it (or clear it) for all of the contact's threads.
    if (outcome?.optOut)
      await this.o.store.setOptedOut(thread.contact, thread.number, true, 'keyword');
    if (outcome?.optIn) await this.o.store.setOptedOut(thread.contact, null, false);

    const set: Record<string, unknown> = { lastMessageAt: now, lastInbound: key };
    if (!thread.firstMessageAt) set.firstMessageAt = now;
    if (outcome) {
      for (const [name, value] of Object.entries(outcome.set)) set[`vars.${name}`] = value;
      if (outcome.state !== undefined) set.state = outcome.state;
      if (outcome.tags.add.length || outcome.tags.remove.length) {
        const tags = new Set(thread.tags ?? []);
        for (const t of outcome.tags.add) tags.add(t);
        for (const t of outcome.tags.remove) tags.delete(t);
        set.tags = [...tags];
      }
      if (outcome.optOut) Object.assign(set, { optedOut: true, optedOutAt: now });
    }
    const replies = outcome?.replies.length ?? 0;
    // Guarded: of a first attempt still running (on another instance) and a repeat finishing the
    // same message, only the first update to arrive counts it.
    await this.o.models.Thread.updateOne(
      { _id: thread._id, lastInbound: { $ne: key } },
      { $set: set, $inc: { inboundCount: 1, messageCount: 1 + replies } },
    );
    this.o.onInbound?.(outcome?.kind ?? 'no_rules', outcome?.rule?.id ?? null, {
      contact: thread.contact,
      number: thread.number,
      at: now,
    });
  }

  /** A rule's `schedule:` action becomes a one-off schedule the scheduler sends later. */
  private async scheduleFollowUp(
    thread: ThreadDoc,
    outcome: Outcome,
    msg: InboundMessage,
    key: string,
  ): Promise<void> {
    const s = outcome.schedule!;
    // Its id comes from the message, so finishing the message again cannot schedule it twice.
    const _id = new Types.ObjectId(derivedId('follow-up', key));
    try {
      await this.o.models.Schedule.create({
        _id,
        name: `${outcome.rule?.id ?? 'rule'} follow-up`,
        to: [msg.from],
        from: msg.to,
        body: s.body ?? null,
        template: s.template ?? null,
        vars: {},
        sendAt: s.at,
        nextRunAt: s.at,
        timezone: this.o.timezone,
        source: 'rule',
        rule: outcome.rule?.id ?? null,
        status: 'active',
      });
    } catch (err) {
      if (isDuplicateKeyError(err)) return; // scheduled by the attempt that stored the message
      throw err;
    }
    this.o.logger.info('follow-up scheduled', {
      rule: outcome.rule?.id,
      at: s.at.toISOString(),
      thread: String(thread._id),
    });
  }
}
