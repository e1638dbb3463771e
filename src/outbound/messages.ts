// Sending one message: validate, render, store, call Twilio, record the outcome.
import { createHash, randomUUID } from 'node:crypto';
import type { Types } from 'mongoose';
import type { Clock } from '../clock';
import { UNRESOLVED, type ConversationStore } from '../conversations/store';
import type { MessageDoc, MessageStatus } from '../db/models/message';
import type { ThreadDoc } from '../db/models/thread';
import {
  AppError,
  ConflictError,
  UpstreamError,
  OptedOutError,
  SendInProgressError,
  TemplateRenderFailedError,
  UnknownTemplateError,
  ValidationError,
} from '../errors';
import type { Log } from '../logger';
import { TemplateRenderError } from '../templates/errors';
import { MAX_BODY_CHARS, isPhoneNumber } from '../twilioLimits';
import { findAtTwilio } from './reconcile';
import { countSegments, type SmsEncoding } from './segments';
import { mayTryAgain, rejectionFor } from './twilioErrors';
import type { SendResult, TwilioTransport } from './twilioTransport';

export interface SendInput {
  to: string;
  body?: string;
  template?: string;
  vars?: Record<string, unknown>;
  media?: string[];
  from?: string;
}

export interface SendOptions {
  /** Unique per intended message: a second send with the same key returns the first result. */
  key?: string;
  /** With `key`: a fingerprint of the request, so a reused key with another request is refused. */
  requestHash?: string;
  /**
   * With `key` (the API's Idempotency-Key): a repeat of a send that failed gets the same error
   * again when Twilio rejected the message, and another try when it never reached Twilio. Without
   * it a failed send is final, as the scheduler needs (its records are never sent twice).
   */
  replayFailures?: boolean;
  schedule?: Types.ObjectId;
  fireAt?: Date;
  rule?: string;
}

export interface SentMessage {
  message: MessageDoc;
  segments: number;
  encoding: SmsEncoding;
  /** True when this call found an earlier send with the same key and returned it. */
  repeated: boolean;
}

/** Renders a named template for an outbound message (the live template store). */
export interface OutboundRenderer {
  hasTemplate(name: string): boolean;
  render(
    name: string,
    context: { vars: Record<string, unknown>; contact: ThreadDoc | null; now: Date },
  ): string;
}

export interface OutboundServiceOptions {
  store: ConversationStore;
  transport: TwilioTransport;
  renderer: OutboundRenderer;
  clock: Clock;
  logger: Log;
  defaultFrom: string | null;
  publicUrl: string | null;
  /**
   * Called for each send outcome, for metrics: the Twilio error code of a failure, `network` when
   * Twilio could not be reached, `unknown` for another failure without a code.
   */
  onOutcome?: (status: string, errorCode: number | string | null) => void;
  /** This instance, as written into a send's `attemptOwner`. */
  instance: string;
  /** SEND_LEASE: how long an attempt owns its send without renewing; renewed every third of it. */
  attemptLeaseMs: number;
  /** MISSED_GRACE: a scheduled send not found at Twilio this long after its fire is not sent. */
  missedGraceMs: number;
  /** Called for each send whose dead attempt was resolved, for metrics. */
  onReconcile?: (outcome: ReconcileOutcome) => void;
}

/**
 * How a send whose attempt died was resolved: `reconciled`, found at Twilio (its SID adopted);
 * `resent`, not found, so sent now; `unknown`, Twilio could not be asked (tried again later).
 */
export type ReconcileOutcome = 'reconciled' | 'resent' | 'unknown';

/** The same code and field as the request schema's check, so every invalid `to` reads alike. */
export function checkRecipient(to: string): void {
  if (!isPhoneNumber(to)) {
    throw new ValidationError(`to: "${to}" is not a valid E.164 phone number`, [
      { field: 'to', message: 'must be a valid E.164 phone number such as +14155550123' },
    ]);
  }
}

/** JSON with object keys sorted at every level, so `{a, b}` and `{b, a}` fingerprint alike. */
function stableJson(value: unknown): string {
  const sorted = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sorted);
    if (v === null || typeof v !== 'object') return v;
    const entries = Object.entries(v as Record<string, unknown>).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    return Object.fromEntries(entries.map(([k, item]) => [k, sorted(item)]));
  };
  return JSON.stringify(sorted(value));
}

export function fingerprint(value: unknown): string {
  return createHash('sha256').update(stableJson(value)).digest('hex').slice(0, 32);
}

export class OutboundService {
  constructor(private readonly options: OutboundServiceOptions) {}

  get mode(): 'twilio' | 'dry-run' {
    return this.options.transport.mode;
  }

  /** Checks the input and renders the body; throws ValidationError naming the field at fault. */
  prepare(
    input: SendInput,
    contact: ThreadDoc | null,
  ): { body: string; media: string[]; from: string | null } {
    checkRecipient(input.to);
    const from = input.from ?? this.options.defaultFrom;
    if (!from && this.mode === 'twilio') {
      throw new ValidationError('from: no sender given and TWILIO_FROM is not set', [
        { field: 'from', message: 'required when TWILIO_FROM is not set' },
      ]);
    }
    let body = input.body ?? '';
    if (input.template !== undefined) {
      if (!this.options.renderer.hasTemplate(input.template)) {
        throw new UnknownTemplateError(input.template);
      }
      const vars = { ...((contact?.vars as Record<string, unknown>) ?? {}), ...(input.vars ?? {}) };
      try {
        body = this.options.renderer.render(input.template, {
          vars,
          contact,
          now: this.options.clock.now(),
        });
      } catch (err) {
        if (!(err instanceof TemplateRenderError)) throw err;
        throw new TemplateRenderFailedError(err.message, input.template);
      }
    }
    const media = input.media ?? [];
    if (body.length === 0 && media.length === 0) {
      throw new ValidationError('body: the message is empty', [
        { field: 'body', message: 'must not be empty' },
      ]);
    }
    if (body.length > MAX_BODY_CHARS) {
      throw new ValidationError(
        `body: ${body.length} characters; at most ${MAX_BODY_CHARS}`,
        [{ field: 'body', message: `at most ${MAX_BODY_CHARS} characters` }],
        'body_too_long',
      );
    }
    return { body, media, from };
  }

  /**
   * Sends one message. The message is stored (status `sending`) before Twilio is called, and the
   * unique key makes a repeated call return the first result instead of sending again.
   */
  async send(input: SendInput, options: SendOptions = {}): Promise<SentMessage> {
    const key = options.key ?? `api:${randomUUID()}`;
    const earlier = await this.options.store.findByKey(key);
    if (earlier) return this.repeat(earlier, options);

    checkRecipient(input.to);
    const number = input.from ?? this.options.defaultFrom ?? 'default';
    // Read, never create: a request refused below must leave no thread behind.
    const known = await this.options.store.findThread(input.to, number);
    const prepared = this.prepare(input, known);
    if (await this.options.store.isOptedOut(input.to)) throw new OptedOutError(input.to);

    const { segments, encoding } = countSegments(prepared.body);
    const thread = known ?? (await this.options.store.ensureThread(input.to, number));
    const now = this.options.clock.now();
    const stored = await this.options.store.insertOutbound(
      {
        key,
        contact: input.to,
        number: prepared.from,
        body: prepared.body,
        media: prepared.media,
        status: 'sending',
        rule: options.rule ?? null,
        schedule: options.schedule ?? null,
        fireAt: options.fireAt ?? null,
        segments,
        encoding,
        requestHash: options.requestHash ?? null,
        attempt: { owner: this.options.instance, until: this.leaseEnd(), at: now },
      },
      thread,
    );
    if (!stored) {
      // Someone else stored the same key between our look-up and our insert.
      const winner = await this.options.store.findByKey(key);
      if (!winner) throw new AppError('send_conflict');
      return this.repeat(winner, options);
    }
    return this.deliver(stored, segments, encoding);
  }

  private leaseEnd(): Date {
    return new Date(this.options.clock.now().getTime() + this.options.attemptLeaseMs);
  }

  /** Runs `work` while renewing this instance's attempt on the message, every third of the lease. */
  private async owningAttempt<T>(id: string, work: () => Promise<T>): Promise<T> {
    const { store, instance, attemptLeaseMs, logger } = this.options;
    const renew = setInterval(() => {
      store
        .renewAttempt(id, instance, this.leaseEnd())
        .catch((err: Error) => logger.warn('send attempt not renewed', { id, error: err.message }));
    }, attemptLeaseMs / 3);
    renew.unref();
    try {
      return await work();
    } finally {
      clearInterval(renew);
    }
  }

  /**
   * Resolves a send whose attempt died (a crash, a lost lease, a timeout after the request left):
   * found at Twilio → its SID and status are adopted; not found → sent now; Twilio not reachable
   * → `unknown`, for a later pass. Null when a live attempt owns it (nothing was done).
   */
  async resolveAbandoned(message: MessageDoc): Promise<SentMessage | null> {
    const { store, transport, instance, logger } = this.options;
    const id = String(message._id);
    const claimed = await store.claimAbandoned(id, { owner: instance, until: this.leaseEnd() });
    if (!claimed) return null;
    const { segments, encoding } = countSegments(claimed.body ?? '');
    const found = await this.owningAttempt(id, () =>
      findAtTwilio({ transport, knowsSid: (sid) => store.knowsSid(sid) }, claimed),
    ).catch(async (err: Error) => {
      await store.releaseAsUnknown(id, instance, `Twilio could not be asked: ${err.message}`);
      this.options.onReconcile?.('unknown');
      logger.warn('send left unknown: Twilio could not be asked', { id, error: err.message });
      return undefined;
    });
    if (found === undefined) {
      return { message: (await store.findById(id)) ?? claimed, segments, encoding, repeated: true };
    }
    if (found) {
      const adopted = await store.recordSendResult(id, {
        sid: found.sid,
        status: (found.status as MessageStatus) ?? 'queued',
        number: found.from ?? claimed.number,
      });
      this.options.onReconcile?.('reconciled');
      logger.info('send reconciled with Twilio', { id, sid: found.sid });
      return { message: adopted ?? claimed, segments, encoding, repeated: true };
    }
    const late =
      claimed.fireAt != null &&
      this.options.clock.now().getTime() - claimed.fireAt.getTime() > this.options.missedGraceMs;
    const optedOut = await store.isOptedOut(claimed.contact);
    if (late || optedOut) {
      const refused = await store.recordSendResult(id, {
        sid: null,
        status: 'failed',
        errorCode: optedOut ? 21610 : null,
        errorMessage: optedOut
          ? 'The recipient opted out before the message could be sent again'
          : 'Not at Twilio, and its fire is more than MISSED_GRACE ago: not sent',
        retryable: false,
      });
      return { message: refused ?? claimed, segments, encoding, repeated: true };
    }
    this.options.onReconcile?.('resent');
    logger.info('send not found at Twilio; sending it now', { id });
    return { ...(await this.deliver(claimed, segments, encoding)), repeated: true };
  }

  /** Calls Twilio for a stored `sending` message and records the outcome on it. */
  private async deliver(
    stored: MessageDoc,
    segments: number,
    encoding: SmsEncoding,
  ): Promise<SentMessage> {
    const id = String(stored._id);
    const media = (stored.media ?? []).map((m) => m.url);
    let result: SendResult;
    try {
      result = await this.owningAttempt(id, () =>
        this.options.transport.send({
          to: stored.contact,
          from: stored.number ?? undefined,
          body: stored.body ?? '',
          mediaUrl: media.length ? media : undefined,
          statusCallback: this.options.publicUrl
            ? `${this.options.publicUrl}/twilio/status`
            : undefined,
        }),
      );
    } catch (err) {
      const appError =
        err instanceof AppError ? err : new AppError('twilio_failed', (err as Error).message);
      const optedOut = err instanceof OptedOutError;
      const code = optedOut
        ? 21610
        : ((appError.details as { twilioCode?: number } | undefined)?.twilioCode ?? null);
      await this.options.store.recordSendResult(id, {
        sid: null,
        status: 'failed',
        errorCode: code,
        errorMessage: appError.message,
        // Twilio failed (5xx, rate limit, unreachable, our credentials): the same message may be
        // sent again later. A rejection of the message itself (4xx) is final.
        retryable: !optedOut && appError instanceof UpstreamError,
      });
      this.options.onOutcome?.(
        'failed',
        code ?? (appError.code === 'twilio_unreachable' ? 'network' : 'unknown'),
      );
      if (optedOut) {
        // Twilio knows the contact replied STOP (to the carrier or to Twilio): remember it.
        await this.options.store.setOptedOut(
          stored.contact,
          stored.number ?? null,
          true,
          'twilio_21610',
        );
      }
      this.options.logger.warn('send failed', { id, code: appError.code, twilioCode: code });
      throw appError;
    }
    // Outside the try: once Twilio has the message, a failure to record it must not mark it failed
    // (a repeated request would then send it again).
    const status = (result.status as MessageStatus) ?? 'queued';
    const message = (await this.options.store.recordSendResult(id, {
      sid: result.sid,
      status,
      number: result.from ?? stored.number,
    })) as MessageDoc;
    this.options.onOutcome?.(status, null);
    this.options.logger.info('message sent', { id, sid: result.sid, status, segments });
    return { message, segments, encoding, repeated: false };
  }

  private async repeat(earlier: MessageDoc, options: SendOptions): Promise<SentMessage> {
    if (options.requestHash && earlier.requestHash && earlier.requestHash !== options.requestHash) {
      throw new ConflictError(
        'This Idempotency-Key was already used with a different request',
        'idempotency_key_reused',
      );
    }
    const { segments, encoding } = countSegments(earlier.body ?? '');
    if (UNRESOLVED.includes(earlier.status as MessageStatus)) {
      // The first attempt's outcome is not known yet. Still alive: it will know; dead: find out.
      const resolved = await this.resolveAbandoned(earlier);
      if (resolved) return resolved;
      const current = (await this.options.store.findById(String(earlier._id))) ?? earlier;
      if (UNRESOLVED.includes(current.status as MessageStatus)) {
        const untilMs = (current.attemptUntil?.getTime() ?? 0) - this.options.clock.now().getTime();
        throw new SendInProgressError(Math.max(1, Math.ceil(untilMs / 1000)));
      }
      return { message: current, segments, encoding, repeated: true };
    }
    if (options.replayFailures && earlier.status === 'failed' && !earlier.sid) {
      const code = earlier.errorCode ?? null;
      // Records stored before `retryable` existed are judged by their Twilio code.
      if (!(earlier.retryable ?? mayTryAgain(code))) {
        // Twilio rejected this message: the same request gets the same answer.
        throw rejectionFor(code, earlier.errorMessage ?? '', earlier.contact);
      }
      // It never reached Twilio (or Twilio failed): try again with the stored message.
      if (await this.options.store.isOptedOut(earlier.contact)) {
        throw new OptedOutError(earlier.contact);
      }
      const claimed = await this.options.store.claimFailedForRetry(String(earlier._id), {
        owner: this.options.instance,
        until: this.leaseEnd(),
        at: this.options.clock.now(),
      });
      if (claimed) {
        this.options.logger.info('retrying a failed send', { id: String(earlier._id) });
        return this.deliver(claimed, segments, encoding);
      }
      // Another repeat claimed it first: answer with where that attempt stands.
      const current = await this.options.store.findById(String(earlier._id));
      return { message: current ?? earlier, segments, encoding, repeated: true };
    }
    return { message: earlier, segments, encoding, repeated: true };
  }
}
