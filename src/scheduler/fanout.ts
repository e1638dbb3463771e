// One fire's fan-out: every recipient gets one send record (sent, failed, skipped), Twilio calls bounded.
//
// The record's unique key `sched:<schedule>:<fireAt ISO>:<recipient>` is written as `sending`
// before the Twilio call (OutboundService.send), so a recipient who already has a record is never
// sent to again, whoever resumes the fire and however often. The one exception is a record whose
// send failed on Twilio's side (outage, rate limit, network): it is `deferred`, and a later pass
// claims that same record atomically and tries it again (FireRunner waits out the outage).
import type { Types } from 'mongoose';
import { awaitsRetry, type ConversationStore } from '../conversations/store';
import type { Models } from '../db/models';
import type { MessageStatus } from '../db/models/message';
import type { ScheduleDoc } from '../db/models/schedule';
import { AppError, OptedOutError, SendInProgressError } from '../errors';
import type { OutboundService } from '../outbound/messages';
import type { Limiter } from './limiter';
import { recipientBatches, type Recipient } from './recipients';

export interface FanOutDeps {
  models: Models;
  store: ConversationStore;
  outbound: OutboundService;
  /** Shared by every fan-out of this instance: the bound on concurrent Twilio calls. */
  limiter: Limiter;
  /** TWILIO_FROM: the thread a skipped record goes on when neither schedule nor thread names a sender. */
  defaultFrom: string | null;
  batchSize: number;
}

/**
 * What the fan-out did, per recipient: `already` had a record from an earlier attempt; `deferred`
 * failed on Twilio's side and may be tried again by a later pass.
 */
export interface FanOutCounts {
  sent: number;
  skipped: number;
  failed: number;
  deferred: number;
  already: number;
}

export interface FanOutControl {
  /** True once the fan-out must stop taking new recipients (canceled, lease lost, shutting down). */
  stopped(): boolean;
  /** Called between batches: a chance to notice a cancel before the next batch. */
  checkpoint(): Promise<void>;
}

type Outcome = keyof FanOutCounts;
type Fanned = Pick<
  ScheduleDoc,
  'to' | 'tag' | 'from' | 'body' | 'template' | 'vars' | 'moveState'
> & {
  _id: Types.ObjectId;
};

export function sendKey(schedule: Types.ObjectId | string, fireAt: Date, phone: string): string {
  return `sched:${String(schedule)}:${fireAt.toISOString()}:${phone}`;
}

/**
 * Sends the fire to every recipient without a record yet. Resolves `completed` when every
 * recipient was handled, `stopped` when told to stop; rejects on an unexpected error (the database
 * went away) after the sends in flight have settled, leaving the rest for a later attempt.
 */
export interface FanOutOptions {
  /** Whether sends that Twilio failed earlier are tried again (false once the fire is too late). */
  retryDeferred: boolean;
  /** Go over only this fire's deferred sends, not its recipients (a retry pass). */
  deferredOnly?: boolean;
}

export async function fanOut(
  deps: FanOutDeps,
  schedule: Fanned,
  fireAt: Date,
  control: FanOutControl,
  options: FanOutOptions,
): Promise<{ end: 'completed' | 'stopped'; counts: FanOutCounts }> {
  const counts: FanOutCounts = { sent: 0, skipped: 0, failed: 0, deferred: 0, already: 0 };
  const inFlight = new Set<Promise<void>>();
  let failure: unknown = null;
  // Whether recipients were left out; a stop that comes while the last sends are in flight does
  // not make a fire that reached everyone an unfinished one.
  let leftOut = false;
  const halted = () => {
    if (failure === null && !control.stopped()) return false;
    leftOut = true;
    return true;
  };

  const batches = options.deferredOnly
    ? deferredBatches(deps.models, schedule._id, fireAt, deps.batchSize)
    : recipientBatches(deps.models, schedule, deps.batchSize);
  for await (const batch of batches) {
    await control.checkpoint();
    if (halted()) break;
    // One query per batch finds the recipients an earlier attempt already handled; a send that
    // failed on Twilio's side is not handled yet.
    const keys = batch.map((r) => sendKey(schedule._id, fireAt, r.phone));
    const records = await deps.models.Message.find(
      { key: { $in: keys } },
      { key: 1, status: 1, sid: 1, retryable: 1 },
    ).lean<(Parameters<typeof awaitsRetry>[0] & { key: string })[]>();
    const handled = new Set(
      records.filter((m) => !(options.retryDeferred && awaitsRetry(m))).map((m) => m.key),
    );
    for (const recipient of batch) {
      if (handled.has(sendKey(schedule._id, fireAt, recipient.phone))) {
        counts.already += 1;
        continue;
      }
      await deps.limiter.acquire();
      if (halted()) {
        deps.limiter.release();
        break;
      }
      const send: Promise<void> = sendToRecipient(deps, schedule, fireAt, recipient)
        .then(
          (outcome) => {
            counts[outcome] += 1;
          },
          (err: unknown) => {
            failure ??= err;
          },
        )
        .finally(() => {
          deps.limiter.release();
          inFlight.delete(send);
        });
      inFlight.add(send);
    }
    if (leftOut) break;
  }
  await Promise.all(inFlight);
  if (failure !== null) throw failure;
  return { end: leftOut ? 'stopped' : 'completed', counts };
}

async function sendToRecipient(
  deps: FanOutDeps,
  schedule: Fanned,
  fireAt: Date,
  recipient: Recipient,
): Promise<Outcome> {
  const key = sendKey(schedule._id, fireAt, recipient.phone);
  const from = schedule.from ?? recipient.number ?? undefined;
  if (await deps.store.isOptedOut(recipient.phone)) {
    const deferred = await deps.store.findByKey(key);
    if (deferred && awaitsRetry(deferred)) {
      // Replied STOP while the send waited for Twilio to come back.
      await deps.store.recordSendResult(String(deferred._id), {
        sid: null,
        status: 'skipped',
        retryable: false,
      });
      return 'skipped';
    }
    return (await recordWithoutSending(deps, schedule, fireAt, recipient, from, 'skipped', null))
      ? 'skipped'
      : 'already';
  }
  try {
    const sent = await deps.outbound.send(
      {
        to: recipient.phone,
        body: schedule.body ?? undefined,
        template: schedule.template ?? undefined,
        vars: (schedule.vars as Record<string, unknown> | null) ?? undefined,
        from,
      },
      // A record left `deferred` by an earlier pass is claimed and sent again, not duplicated.
      { key, schedule: schedule._id, fireAt, replayFailures: true },
    );
    if (sent.message.status === 'failed') return sent.repeated ? 'already' : 'failed';
    // A rule's follow-up that names a state moves the thread on (again, harmlessly, on a repeat:
    // the attempt that sent it may have died before this).
    if (schedule.moveState && from !== undefined)
      await deps.store.moveStateAfterFollowUp(recipient.phone, from, {
        from: schedule.moveState.from ?? null,
        to: schedule.moveState.to ?? null,
      });
    return sent.repeated ? 'already' : 'sent';
  } catch (err) {
    // Not one of our coded errors: the database or the process is in trouble. Stop the fan-out;
    // this recipient has no record (or a `sending` one) and the next attempt deals with it.
    if (!(err instanceof AppError)) throw err;
    // Another attempt owns this recipient's send (a fire resumed while it was still alive).
    if (err instanceof SendInProgressError) return 'already';
    const record = await deps.store.findByKey(key);
    if (record) {
      // Stored and failed: Twilio rejected it (final), or failed itself (tried again later).
      return awaitsRetry(record) ? 'deferred' : 'failed';
    }
    // Refused before anything was stored: opted out since we looked, or this contact's rendering
    // is invalid (too long, empty). Recorded, so that no later attempt tries again.
    const status = err instanceof OptedOutError ? 'skipped' : 'failed';
    const stored = await recordWithoutSending(
      deps,
      schedule,
      fireAt,
      recipient,
      from,
      status,
      status === 'failed' ? err.message : null,
    );
    return stored ? status : 'already';
  }
}

/** A record for a recipient who gets nothing: `skipped` (opted out) or `failed` (invalid message). */
async function recordWithoutSending(
  deps: FanOutDeps,
  schedule: Fanned,
  fireAt: Date,
  recipient: Recipient,
  from: string | undefined,
  status: Extract<MessageStatus, 'skipped' | 'failed'>,
  errorMessage: string | null,
): Promise<boolean> {
  const number = from ?? deps.defaultFrom;
  const thread = await deps.store.ensureThread(recipient.phone, number ?? 'default');
  const stored = await deps.store.insertOutbound(
    {
      key: sendKey(schedule._id, fireAt, recipient.phone),
      contact: recipient.phone,
      number,
      body: '',
      media: [],
      status,
      schedule: schedule._id,
      fireAt,
      segments: 0,
      encoding: 'GSM-7',
    },
    thread,
  );
  if (stored && errorMessage) {
    await deps.store.recordSendResult(stored._id, { sid: null, status, errorMessage });
  }
  return stored !== null;
}

/** A retry pass's recipients: this fire's sends that Twilio failed, in batches. */
async function* deferredBatches(
  models: Models,
  schedule: Types.ObjectId,
  fireAt: Date,
  batchSize: number,
): AsyncGenerator<Recipient[]> {
  const deferred = await models.Message.find(
    { schedule, fireAt, status: 'failed', sid: null, retryable: true },
    { contact: 1, number: 1 },
  ).lean<{ contact: string; number: string | null }[]>();
  for (let i = 0; i < deferred.length; i += batchSize) {
    yield deferred.slice(i, i + batchSize).map((m) => ({ phone: m.contact, number: m.number }));
  }
}
