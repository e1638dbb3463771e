// Writes threads and messages (and the follow-ups messages schedule): the only code that does.
// Exactly-once rests on the messages' unique `key`.
import { Types } from 'mongoose';
import { derivedId, messageIdFor, threadIdFor } from '../db/ids';
import { KeyedLock } from './keyedLock';
import type { Clock } from '../clock';
import { isDuplicateKeyError, type Models } from '../db/models';
import type { MessageDoc, MessageStatus } from '../db/models/message';
import type { ThreadDoc } from '../db/models/thread';
import type { ThreadChanges } from './threadState';

/**
 * Delivery statuses in the order Twilio moves through them; a status never moves backwards.
 * `sending` here is Twilio's (between queued and sent). Our own pre-call `sending` record has no
 * SID yet, and callbacks match by SID, so it never meets this table.
 * https://www.twilio.com/docs/messaging/guides/outbound-message-status-in-status-callbacks
 */
const STATUS_RANK: Record<string, number> = {
  pending: 0,
  accepted: 1,
  scheduled: 1,
  queued: 2,
  sending: 3,
  sent: 4,
  // Final states share the top rank: once one is reached, nothing later replaces it…
  delivered: 5,
  undelivered: 5,
  failed: 5,
  canceled: 5,
  // …except that a read receipt follows delivery.
  read: 6,
};

/** A send that failed on Twilio's side (outage, rate limit, network): its record may be sent again. */
export function awaitsRetry(
  message: Pick<MessageDoc, 'status' | 'sid'> & { retryable?: boolean | null },
): boolean {
  return message.status === 'failed' && !message.sid && message.retryable === true;
}

export function statusRank(status: string): number | undefined {
  return STATUS_RANK[status];
}

export interface OutboundRecord {
  key: string;
  contact: string;
  number: string | null;
  body: string;
  media: string[];
  status: MessageStatus;
  rule?: string | null;
  schedule?: Types.ObjectId | null;
  fireAt?: Date | null;
  segments: number;
  encoding: string;
  requestHash?: string | null;
  /** For a `sending` record: the attempt that owns it (see outbound/attempts.ts). */
  attempt?: AttemptLease;
}

/** Who owns a send's attempt and until when; the search window at Twilio starts at `at`. */
export interface AttemptLease {
  owner: string;
  until: Date;
  at: Date;
}

/** An inbound message and the replies its TwiML answered it with, stored together. */
export interface InboundRecord {
  key: string;
  sid: string;
  body: string;
  media: { url: string; contentType: string | null }[];
  rule: string | null;
  replyTwiml: string;
  /** The thread's count of messages from the contact once it takes this one in. */
  seq: number;
  at: Date;
  replies: { body: string; media: string[] }[];
}

/** A rule's follow-up: a one-off schedule the scheduler sends later. */
export interface FollowUp {
  name: string;
  rule: string | null;
  to: string;
  from: string;
  at: Date;
  body: string | null;
  template: string | null;
  timezone: string;
  /** Once sent, the thread moves from `from` (the state the rule left) to `to`. */
  moveState: { from: string | null; to: string | null } | null;
}

/** Statuses of a send whose outcome at Twilio is not known yet. */
export const UNRESOLVED: MessageStatus[] = ['sending', 'unknown'];

export class ConversationStore {
  /** Serialises work on one thread within this instance (see keyedLock.ts). */
  readonly threadLock = new KeyedLock();

  constructor(
    private readonly models: Models,
    private readonly clock: Clock,
  ) {}

  /**
   * The thread for (contact, our number), created on first contact. Found by its derived _id. A
   * new thread of a contact who opted out (on another of our numbers) starts opted out.
   */
  async ensureThread(contact: string, number: string): Promise<ThreadDoc> {
    const _id = threadIdFor(String(contact), String(number));
    const optOut = await this.models.OptOut.findById(String(contact)).lean();
    try {
      return await this.models.Thread.findOneAndUpdate(
        { _id },
        {
          $setOnInsert: {
            contact: String(contact),
            number: String(number),
            state: null,
            vars: {},
            tags: [],
            optedOut: optOut !== null,
            optedOutAt: optOut?.at ?? null,
            inboundCount: 0,
            messageCount: 0,
          },
        },
        { upsert: true, new: true },
      ).lean<ThreadDoc>();
    } catch (err) {
      // Two first messages at once: both upsert, one loses the unique index race and reads the winner.
      if (!isDuplicateKeyError(err)) throw err;
      const thread = await this.models.Thread.findById(_id).lean<ThreadDoc>();
      if (!thread) throw err;
      return thread;
    }
  }

  /** The thread for (contact, our number) if there is one; never creates it. */
  async findThread(contact: string, number: string): Promise<ThreadDoc | null> {
    return this.models.Thread.findById(
      threadIdFor(String(contact), String(number)),
    ).lean<ThreadDoc>();
  }

  /**
   * Opt-out is per contact: a contact who replied STOP to any of our numbers gets nothing from
   * any of them (the cautious reading of carrier rules; Twilio itself blocks per sender).
   */
  async isOptedOut(contact: string): Promise<boolean> {
    return (await this.models.OptOut.findById(String(contact)).lean()) !== null;
  }

  /** Records (or clears) a contact's opt-out, and mirrors it on their threads for the thread API. */
  async setOptedOut(
    contact: string,
    number: string | null,
    optedOut: boolean,
    source = 'keyword',
  ): Promise<void> {
    const now = this.clock.now();
    const phone = String(contact);
    if (optedOut) {
      await this.models.OptOut.updateOne(
        { _id: phone },
        { $set: { number, source, at: now } },
        { upsert: true },
      );
      if (number) await this.ensureThread(phone, number);
      await this.models.Thread.updateMany(
        { contact: phone },
        { $set: { optedOut: true, optedOutAt: now } },
      );
    } else {
      await this.models.OptOut.deleteOne({ _id: phone });
      await this.models.Thread.updateMany(
        { contact: phone, optedOut: true },
        { $set: { optedOut: false, optedOutAt: null } },
      );
    }
  }

  /**
   * Stores an inbound message and its replies in one ordered insert. False when its key was
   * stored before (Twilio's retry, a journal replay, a retry racing us): the inbound key fails
   * first, so nothing of this attempt is stored twice.
   */
  async insertInbound(
    thread: Pick<ThreadDoc, '_id' | 'contact' | 'number'>,
    record: InboundRecord,
  ): Promise<boolean> {
    const common = { thread: thread._id, contact: thread.contact, number: thread.number };
    try {
      await this.models.Message.insertMany(
        [
          {
            ...common,
            _id: messageIdFor(record.key),
            key: record.key,
            direction: 'inbound',
            body: record.body,
            media: record.media,
            sid: record.sid,
            status: 'received',
            rule: record.rule,
            replyTwiml: record.replyTwiml,
            seq: record.seq,
            createdAt: record.at,
          },
          ...record.replies.map((r, i) => ({
            ...common,
            _id: messageIdFor(`reply:${record.sid}:${i}`),
            key: `reply:${record.sid}:${i}`,
            direction: 'outbound',
            body: r.body,
            media: r.media.map((url) => ({ url, contentType: null })),
            status: 'twiml',
            rule: record.rule,
            // A millisecond apart, so "newest first" lists the replies after their message.
            createdAt: new Date(record.at.getTime() + i + 1),
          })),
        ],
        { ordered: true },
      );
      return true;
    } catch (err) {
      if (isDuplicateKeyError(err)) return false;
      throw err;
    }
  }

  /**
   * The thread takes in its stored inbound message `key`: counts it and its `replies`, and writes
   * what the message changed (applyOutcome's `changes`). Guarded: of a first attempt still
   * running (on another instance) and a repeat finishing the same message, only the first update
   * to arrive counts it.
   */
  async takeIn(
    thread: Pick<ThreadDoc, '_id'>,
    key: string,
    changes: ThreadChanges,
    replies: number,
    at: Date,
  ): Promise<void> {
    const set: Record<string, unknown> = { lastMessageAt: at, lastInbound: key };
    if (changes.firstSeen) set.firstMessageAt = changes.firstSeen;
    for (const [name, value] of Object.entries(changes.vars)) set[`vars.${name}`] = value;
    if (changes.state !== undefined) set.state = changes.state;
    if (changes.tags) set.tags = changes.tags;
    if (changes.optedOut !== undefined) {
      Object.assign(set, { optedOut: changes.optedOut, optedOutAt: changes.optedOut ? at : null });
    }
    await this.models.Thread.updateOne(
      { _id: thread._id, lastInbound: { $ne: key } },
      { $set: set, $inc: { inboundCount: 1, messageCount: 1 + replies } },
    );
  }

  /**
   * Schedules a rule's follow-up under an id derived from the message's key, so finishing the
   * message again cannot schedule it twice. False when it was scheduled before.
   */
  async scheduleFollowUp(messageKey: string, f: FollowUp): Promise<boolean> {
    try {
      await this.models.Schedule.create({
        _id: new Types.ObjectId(derivedId('follow-up', messageKey)),
        name: f.name,
        to: [f.to],
        from: f.from,
        body: f.body,
        template: f.template,
        vars: {},
        sendAt: f.at,
        nextRunAt: f.at,
        timezone: f.timezone,
        source: 'rule',
        rule: f.rule,
        moveState: f.moveState,
        status: 'active',
      });
      return true;
    } catch (err) {
      if (isDuplicateKeyError(err)) return false;
      throw err;
    }
  }

  /**
   * A follow-up with a `state:` was sent: the contact's thread moves on, unless it has left the
   * state the rule put it in (the contact booked again, opted out, ...). Idempotent.
   */
  async moveStateAfterFollowUp(
    contact: string,
    number: string,
    move: { from: string | null; to: string | null },
  ): Promise<boolean> {
    const { modifiedCount } = await this.models.Thread.updateOne(
      { _id: threadIdFor(contact, number), state: move.from },
      { $set: { state: move.to } },
    );
    return modifiedCount === 1;
  }

  /**
   * Stores an outbound message before any Twilio call. Returns null when a message with the same
   * key already exists (a repeated request, a second instance claiming the same send).
   */
  async insertOutbound(
    record: OutboundRecord,
    thread: ThreadDoc | null,
  ): Promise<MessageDoc | null> {
    try {
      const doc = await this.models.Message.create({
        key: record.key,
        thread: thread?._id ?? null,
        direction: 'outbound',
        contact: record.contact,
        number: record.number,
        body: record.body,
        media: record.media.map((url) => ({ url, contentType: null })),
        status: record.status,
        rule: record.rule ?? null,
        schedule: record.schedule ?? null,
        fireAt: record.fireAt ?? null,
        segments: record.segments,
        encoding: record.encoding,
        requestHash: record.requestHash ?? null,
        attemptOwner: record.attempt?.owner ?? null,
        attemptUntil: record.attempt?.until ?? null,
        attemptAt: record.attempt?.at ?? null,
      });
      if (thread) {
        await this.models.Thread.updateOne(
          { _id: thread._id },
          { $inc: { messageCount: 1 }, $set: { lastMessageAt: this.clock.now() } },
        );
      }
      return doc.toObject() as MessageDoc;
    } catch (err) {
      if (isDuplicateKeyError(err)) return null;
      throw err;
    }
  }

  async findByKey(key: string): Promise<MessageDoc | null> {
    return this.models.Message.findById(messageIdFor(String(key))).lean<MessageDoc>();
  }

  async findById(id: string): Promise<MessageDoc | null> {
    return this.models.Message.findById(String(id)).lean<MessageDoc>();
  }

  /**
   * Takes a failed send that never reached Twilio (no SID) back to `sending` for another attempt.
   * Returns null when it is no longer such a message: the conditional update is atomic, so of
   * two repeats arriving together only one wins it and calls Twilio.
   */
  claimFailedForRetry(id: string, attempt: AttemptLease): Promise<MessageDoc | null> {
    return this.models.Message.findOneAndUpdate(
      // Not a rejection: another repeat may have tried it meanwhile and been refused for good.
      { _id: String(id), status: 'failed', sid: null, retryable: { $ne: false } },
      {
        $set: {
          status: 'sending',
          errorCode: null,
          errorMessage: null,
          retryable: null,
          // The retry is an attempt like any other: owned, so a repeat meanwhile waits for it.
          attemptOwner: attempt.owner,
          attemptUntil: attempt.until,
          attemptAt: attempt.at,
        },
      },
      { new: true },
    ).lean<MessageDoc>();
  }

  async recordSendResult(
    id: string,
    result: {
      sid: string | null;
      status: MessageStatus;
      number?: string | null;
      errorCode?: number | null;
      errorMessage?: string | null;
      retryable?: boolean | null;
    },
  ): Promise<MessageDoc | null> {
    // The outcome is known: the attempt is over.
    const set: Record<string, unknown> = {
      sid: result.sid,
      status: result.status,
      attemptOwner: null,
      attemptUntil: null,
    };
    if (result.number) set.number = result.number;
    if (result.errorCode !== undefined) set.errorCode = result.errorCode;
    if (result.errorMessage !== undefined) set.errorMessage = result.errorMessage;
    if (result.retryable !== undefined) set.retryable = result.retryable;
    return this.models.Message.findOneAndUpdate(
      { _id: id },
      { $set: set },
      { new: true },
    ).lean<MessageDoc>();
  }

  /**
   * Takes over an unresolved send whose attempt is over (its owner died, or gave it up as
   * `unknown`): atomic, so of the instances and repeats that find it, one owns the next attempt.
   * Keeps `attemptAt`, where the search at Twilio starts. Null when an attempt still owns it.
   */
  claimAbandoned(id: string, lease: Omit<AttemptLease, 'at'>): Promise<MessageDoc | null> {
    return this.models.Message.findOneAndUpdate(
      {
        _id: String(id),
        status: { $in: UNRESOLVED },
        $or: [{ attemptUntil: null }, { attemptUntil: { $lte: this.clock.now() } }],
      },
      { $set: { status: 'sending', attemptOwner: lease.owner, attemptUntil: lease.until } },
      { new: true },
    ).lean<MessageDoc>();
  }

  /** Renews an attempt's lease; false when this owner no longer holds it. */
  async renewAttempt(id: string, owner: string, until: Date): Promise<boolean> {
    const result = await this.models.Message.updateOne(
      { _id: String(id), status: 'sending', attemptOwner: owner },
      { $set: { attemptUntil: until } },
    );
    return result.matchedCount === 1;
  }

  /** Gives an attempt up as `unknown` (Twilio could not be asked): any instance may try again. */
  async releaseAsUnknown(id: string, owner: string, reason: string): Promise<void> {
    await this.models.Message.updateOne(
      { _id: String(id), status: 'sending', attemptOwner: owner },
      { $set: { status: 'unknown', attemptUntil: this.clock.now(), errorMessage: reason } },
    );
  }

  /** Unresolved sends whose attempt is over, oldest attempt first; `filter` narrows (a fire). */
  abandonedSends(
    limit: number,
    filter: { schedule?: Types.ObjectId; fireAt?: Date } = {},
  ): Promise<MessageDoc[]> {
    return this.models.Message.find({
      status: { $in: UNRESOLVED },
      direction: 'outbound',
      $or: [{ attemptUntil: null }, { attemptUntil: { $lte: this.clock.now() } }],
      ...filter,
    })
      .sort({ attemptAt: 1 })
      .limit(limit)
      .lean<MessageDoc[]>();
  }

  /** Whether a Twilio SID is already stored on one of our messages. */
  async knowsSid(sid: string): Promise<boolean> {
    return (await this.models.Message.exists({ sid: String(sid) })) !== null;
  }

  /**
   * Applies a status callback, moving forward only: the update matches only while the stored
   * status ranks lower, and it is atomic, so two callbacks racing cannot move it back either.
   */
  async applyStatus(
    sid: string,
    status: string,
    errorCode: number | null,
  ): Promise<'updated' | 'stale' | 'unknown_sid'> {
    const rank = statusRank(status);
    if (rank === undefined) {
      // A status we do not rank is never applied, but an unknown SID is still worth reporting.
      return (await this.models.Message.exists({ sid: String(sid) })) ? 'stale' : 'unknown_sid';
    }
    const lower = Object.entries(STATUS_RANK)
      .filter(([, r]) => r < rank)
      .map(([s]) => s);
    const set: Record<string, unknown> = { status };
    if (errorCode !== null) set.errorCode = errorCode;
    const updated = await this.models.Message.findOneAndUpdate(
      { sid: String(sid), status: { $in: lower } },
      { $set: set },
      { new: true },
    ).lean<MessageDoc>();
    if (updated) return 'updated';
    const exists = await this.models.Message.exists({ sid: String(sid) });
    return exists ? 'stale' : 'unknown_sid';
  }
}
