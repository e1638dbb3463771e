// The inbound pipeline: a texter's message in, the decision applied, the TwiML reply out.
import type { Clock } from '../clock';
import type { BotContent } from '../content/botContent';
import { evaluateOn, type Outcome } from '../content/evaluate';
import { threadIdFor } from '../db/ids';
import type { ThreadDoc } from '../db/models/thread';
import type { Log } from '../logger';
import type { DecisionKind } from '../rules';
import { buildTwiml } from '../templates';
import type { ConversationStore } from './store';
import { applyOutcome, threadState, type ThreadState } from './threadState';

export interface InboundMessage {
  messageSid: string;
  from: string;
  to: string;
  body: string;
  media: { url: string; contentType: string | null }[];
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
  /** Every read and write of threads and messages goes through the store. */
  store: ConversationStore;
  content: BotContent;
  clock: Clock;
  logger: Log;
  timezone: string;
  /**
   * Called once per new inbound message, once it is stored and before the reply: metrics, the
   * console's live inbox, rule analytics.
   */
  onInbound?: (
    kind: DecisionKind | 'no_rules',
    rule: string | null,
    stored: { contact: string; number: string; at: Date; body: string },
  ) => void;
}

const EMPTY_TWIML = buildTwiml([]);

export class InboundService {
  constructor(private readonly o: InboundServiceOptions) {}

  /** `receivedAt`: when Twilio delivered it (a replay from the outage journal passes the original time). */
  async handle(msg: InboundMessage, receivedAt?: Date): Promise<InboundResult> {
    // One message per thread at a time: the next one sees this one's state, vars and counts.
    return this.o.store.threadLock.run(threadIdFor(msg.from, msg.to), () =>
      this.handleInOrder(msg, receivedAt),
    );
  }

  /** Read → decide → write through the store, inside the thread's lock. */
  private async handleInOrder(msg: InboundMessage, receivedAt?: Date): Promise<InboundResult> {
    const key = `in:${msg.messageSid}`;
    const now = receivedAt ?? this.o.clock.now();
    // One read by _id: the thread as it stands. Whether Twilio sent this MessageSid before is
    // answered by the insert below (its key is unique), which saves a read on every message.
    const thread =
      (await this.o.store.findThread(msg.from, msg.to)) ??
      (await this.o.store.ensureThread(msg.from, msg.to));
    const before = threadState(thread);
    const outcome = this.decide(msg, before, now);
    if (outcome?.error) {
      this.o.logger.error('reply failed; answered with the fallback', {
        rule: outcome.rule?.id,
        error: outcome.error,
      });
    }
    const twiml = outcome?.twiml ?? EMPTY_TWIML;
    const rule = outcome?.rule?.id ?? null;
    const replies = outcome?.replies ?? [];
    const stored = await this.o.store.insertInbound(thread, {
      key,
      sid: msg.messageSid,
      body: msg.body,
      media: msg.media,
      rule,
      replyTwiml: twiml,
      seq: before.inboundCount + 1,
      at: now,
      replies,
    });
    if (!stored) return this.answerRepeat(msg, thread, key);

    const after = await this.takeIn(thread, before, outcome, msg, key, now);
    this.o.logger.info('inbound handled', {
      kind: outcome?.kind ?? 'no_rules',
      rule,
      replies: replies.length,
    });
    return { twiml, duplicate: false, kind: outcome?.kind ?? 'no_rules', rule, thread: after };
  }

  private decide(msg: InboundMessage, thread: ThreadState, now: Date): Outcome | null {
    const content = this.o.content.current();
    return content ? evaluateOn(content, thread, msg, now) : null;
  }

  /**
   * A MessageSid stored before: Twilio's retry, or a journal replay. It gets the first answer. If
   * the first attempt stored the message but the database went away before the thread took it in,
   * the thread takes it in now, with the decision made from the same thread.
   */
  private async answerRepeat(
    msg: InboundMessage,
    thread: ThreadDoc,
    key: string,
  ): Promise<InboundResult> {
    const first = await this.o.store.findByKey(key);
    const repeat: InboundResult = {
      twiml: first?.replyTwiml ?? EMPTY_TWIML,
      duplicate: true,
      kind: 'duplicate',
      rule: first?.rule ?? null,
    };
    // Taken in: the thread's count reached the message's. (Messages stored before `seq` existed
    // have none and count as taken in.)
    if (!first?.seq || (thread.inboundCount ?? 0) >= first.seq) return repeat;

    const before = threadState(thread);
    const outcome = this.decide(msg, before, first.createdAt);
    const after = await this.takeIn(thread, before, outcome, msg, first.key, first.createdAt);
    this.o.logger.warn('finished a message an earlier attempt stored but did not apply', {
      rule: outcome?.rule?.id ?? null,
    });
    return { ...repeat, thread: after };
  }

  /**
   * The thread takes the stored message in: its follow-up and the contact's opt-out first (both
   * idempotent), then the one thread update that counts it. A repeat of the message compares that
   * count with the message's `seq` to find out whether it has to do this again.
   */
  private async takeIn(
    thread: ThreadDoc,
    before: ThreadState,
    outcome: Outcome | null,
    msg: InboundMessage,
    key: string,
    now: Date,
  ): Promise<ThreadState> {
    const { thread: after, changes } = applyOutcome(before, outcome, now);
    if (outcome?.schedule) await this.scheduleFollowUp(thread, after, outcome, key);
    // Opt-out is per contact: record it (or clear it) for all of the contact's threads.
    if (outcome?.optOut)
      await this.o.store.setOptedOut(thread.contact, thread.number, true, 'keyword');
    if (outcome?.optIn) await this.o.store.setOptedOut(thread.contact, null, false);
    await this.o.store.takeIn(thread, key, changes, outcome?.replies.length ?? 0, now);
    this.o.onInbound?.(outcome?.kind ?? 'no_rules', outcome?.rule?.id ?? null, {
      contact: thread.contact,
      number: thread.number,
      at: now,
      body: msg.body,
    });
    return after;
  }

  /** A rule's `schedule:` action becomes a one-off schedule the scheduler sends later. */
  private async scheduleFollowUp(
    thread: ThreadDoc,
    after: ThreadState,
    outcome: Outcome,
    key: string,
  ): Promise<void> {
    const s = outcome.schedule!;
    const rule = outcome.rule?.id ?? null;
    const scheduled = await this.o.store.scheduleFollowUp(key, {
      name: `${rule ?? 'rule'} follow-up`,
      rule,
      to: thread.contact,
      from: thread.number,
      at: s.at,
      body: s.body ?? null,
      template: s.template ?? null,
      timezone: this.o.timezone,
      moveState: s.state === undefined ? null : { from: after.state, to: s.state },
    });
    if (!scheduled) return; // scheduled by the attempt that stored the message
    this.o.logger.info('follow-up scheduled', {
      rule,
      at: s.at.toISOString(),
      thread: String(thread._id),
    });
  }
}
