// Sending one message: validate, render, store, call Twilio, record the outcome.
import { createHash, randomUUID } from 'node:crypto';
import { isValidPhoneNumber } from 'libphonenumber-js';
import type { Types } from 'mongoose';
import type { Clock } from '../clock';
import type { ConversationStore } from '../conversations/store';
import type { MessageDoc, MessageStatus } from '../db/models/message';
import type { ThreadDoc } from '../db/models/thread';
import { AppError, ConflictError, OptedOutError, ValidationError } from '../errors';
import { countSegments, type SmsEncoding } from './segments';
import type { TwilioTransport } from './twilioTransport';

export const MAX_BODY = 1600;
export const MAX_MEDIA = 10;

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

export interface OutboundLogger {
  info(message: string, meta?: object): void;
  warn(message: string, meta?: object): void;
}

export interface OutboundServiceOptions {
  store: ConversationStore;
  transport: TwilioTransport;
  renderer: OutboundRenderer;
  clock: Clock;
  logger: OutboundLogger;
  defaultFrom: string | null;
  publicUrl: string | null;
  /** Called for each send outcome, for metrics. */
  onOutcome?: (status: string, errorCode: number | null) => void;
}

export function isE164(number: string): boolean {
  return /^\+[1-9]\d{6,14}$/.test(number) && isValidPhoneNumber(number);
}

export function checkRecipient(to: string): void {
  if (!isE164(to)) {
    throw new ValidationError(
      `to: "${to}" is not a valid E.164 phone number`,
      [{ field: 'to', message: 'must be an E.164 phone number such as +14155550123' }],
      'invalid_phone_number',
    );
  }
}

export function fingerprint(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 32);
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
        throw new ValidationError(
          `template: no template named "${input.template}"`,
          [{ field: 'template', message: 'unknown template' }],
          'unknown_template',
        );
      }
      const vars = { ...((contact?.vars as Record<string, unknown>) ?? {}), ...(input.vars ?? {}) };
      body = this.options.renderer.render(input.template, {
        vars,
        contact,
        now: this.options.clock.now(),
      });
    }
    const media = input.media ?? [];
    if (body.length === 0 && media.length === 0) {
      throw new ValidationError('body: the message is empty', [
        { field: 'body', message: 'must not be empty' },
      ]);
    }
    if (body.length > MAX_BODY) {
      throw new ValidationError(
        `body: ${body.length} characters; at most ${MAX_BODY}`,
        [{ field: 'body', message: `at most ${MAX_BODY} characters` }],
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
    const from = input.from ?? this.options.defaultFrom;
    const thread = await this.options.store.ensureThread(input.to, from ?? 'default');
    const prepared = this.prepare(input, thread);
    if (await this.options.store.isOptedOut(input.to)) throw new OptedOutError(input.to);

    const { segments, encoding } = countSegments(prepared.body);
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
      },
      thread,
    );
    if (!stored) {
      // Someone else stored the same key between our look-up and our insert.
      const winner = await this.options.store.findByKey(key);
      if (!winner) throw new AppError('send_conflict', 'Concurrent send with the same key', 409);
      return this.repeat(winner, options);
    }

    try {
      const result = await this.options.transport.send({
        to: input.to,
        from: prepared.from ?? undefined,
        body: prepared.body,
        mediaUrl: prepared.media.length ? prepared.media : undefined,
        statusCallback: this.options.publicUrl
          ? `${this.options.publicUrl}/twilio/status`
          : undefined,
      });
      const status = (result.status as MessageStatus) ?? 'queued';
      const message = (await this.options.store.recordSendResult(stored._id, {
        sid: result.sid,
        status,
        number: result.from ?? prepared.from,
      })) as MessageDoc;
      this.options.onOutcome?.(status, null);
      this.options.logger.info('message sent', {
        id: String(stored._id),
        sid: result.sid,
        status,
        segments,
      });
      return { message, segments, encoding, repeated: false };
    } catch (err) {
      const appError =
        err instanceof AppError ? err : new AppError('twilio_failed', (err as Error).message, 502);
      const code = (appError.details as { twilioCode?: number } | undefined)?.twilioCode ?? null;
      await this.options.store.recordSendResult(stored._id, {
        sid: null,
        status: 'failed',
        errorCode: err instanceof OptedOutError ? 21610 : code,
        errorMessage: appError.message,
      });
      this.options.onOutcome?.('failed', err instanceof OptedOutError ? 21610 : code);
      if (err instanceof OptedOutError) {
        // Twilio knows the contact replied STOP (to the carrier or to Twilio): remember it.
        await this.options.store.setOptedOut(input.to, prepared.from, true, 'twilio_21610');
      }
      this.options.logger.warn('send failed', {
        id: String(stored._id),
        code: appError.code,
        twilioCode: code,
      });
      throw appError;
    }
  }

  private repeat(earlier: MessageDoc, options: SendOptions): SentMessage {
    if (options.requestHash && earlier.requestHash && earlier.requestHash !== options.requestHash) {
      throw new ConflictError(
        'This Idempotency-Key was already used with a different request',
        'idempotency_key_reused',
      );
    }
    const { segments, encoding } = countSegments(earlier.body ?? '');
    return { message: earlier, segments, encoding, repeated: true };
  }
}
