// Sends one SMS/MMS through Twilio's Messages API, or pretends to (dry-run) when no credentials are set.
//
// https://www.twilio.com/docs/messaging/api/message-resource#create-a-message-resource
import { randomBytes } from 'node:crypto';
import twilio from 'twilio';
import { isMessagingServiceSid } from '../twilioLimits';
import type { RetryPolicy } from './retryPolicy';
import { silentLog, type Log } from '../logger';
import { TwilioHttpClient } from './twilioHttpClient';
import { toAppError } from './twilioErrors';

export interface SendRequest {
  /** E.164 recipient. */
  to: string;
  /** E.164 number, or a Messaging Service SID (`MG…`); falls back to `defaultFrom`. */
  from?: string;
  body: string;
  mediaUrl?: string[];
  statusCallback?: string;
}

export interface SendResult {
  sid: string;
  /** Twilio's status (`queued`, `accepted`, …) or `dry-run`. */
  status: string;
  /** The sender Twilio chose; null while a Messaging Service has not picked one yet. */
  from: string | null;
  errorCode: number | null;
  errorMessage: string | null;
}

/** A message in Twilio's list, as reconciliation compares it with a send whose attempt died. */
export interface ListedMessage extends SendResult {
  body: string;
  messagingServiceSid: string | null;
  dateCreated: Date;
}

export interface TwilioTransport {
  readonly mode: 'twilio' | 'dry-run';
  /** Resolves once Twilio accepted the message; rejects with an AppError (see toAppError). */
  send(req: SendRequest): Promise<SendResult>;
  /**
   * Twilio's most recent messages to `to` (from `from`, when it is a number rather than a
   * Messaging Service), newest first: at most `limit`. Rejects with an AppError when Twilio
   * cannot be asked. https://www.twilio.com/docs/messaging/api/message-resource#read-multiple-message-resources
   */
  recentMessages(query: { to: string; from?: string; limit: number }): Promise<ListedMessage[]>;
}

export interface TwilioTransportOptions {
  accountSid?: string | null;
  authToken?: string | null;
  /** TWILIO_API_URL: base URL replacing https://api.twilio.com (tests point it at a fake). */
  apiUrl?: string | null;
  /** TWILIO_FROM: used when a request names no sender. */
  defaultFrom?: string | null;
  retry?: RetryPolicy;
  sleep?: (ms: number) => Promise<void>;
  /** Jitter source in [0, 1); Math.random unless a test wants exact delays. */
  random?: () => number;
  logger?: Pick<Log, 'info' | 'warn'>;
  timeoutMs?: number;
}

/**
 * Messaging Service SIDs go in `MessagingServiceSid`, never in `From`. Matched exactly (MG + 32
 * hex) so that an alphanumeric sender ID that happens to start with "MG" still goes in `From`.
 */

function senderParams(sender: string | undefined): { from?: string; messagingServiceSid?: string } {
  if (!sender) return {};
  return isMessagingServiceSid(sender) ? { messagingServiceSid: sender } : { from: sender };
}

export function createTwilioTransport(options: TwilioTransportOptions = {}): TwilioTransport {
  const accountSid = options.accountSid || undefined;
  const authToken = options.authToken || undefined;
  const logger = options.logger ?? silentLog;
  const defaultFrom = options.defaultFrom || undefined;

  if (!accountSid && !authToken) return createDryRunTransport(defaultFrom, logger);
  if (!accountSid || !authToken) {
    throw new Error('TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN must be set together');
  }

  const httpClient = new TwilioHttpClient({
    apiUrl: options.apiUrl || undefined,
    retry: options.retry,
    sleep: options.sleep,
    random: options.random,
    logger,
    timeoutMs: options.timeoutMs,
  });
  // Credentials are passed explicitly so the SDK never falls back to reading process.env itself.
  const client = twilio(accountSid, authToken, { httpClient });

  return {
    mode: 'twilio',
    async send(req: SendRequest): Promise<SendResult> {
      const media = req.mediaUrl && req.mediaUrl.length > 0 ? req.mediaUrl : undefined;
      try {
        const message = await client.messages.create({
          to: req.to,
          ...senderParams(req.from ?? defaultFrom),
          // An MMS may have media and no text; Twilio rejects an empty Body otherwise (21619).
          body: req.body === '' && media ? undefined : req.body,
          mediaUrl: media,
          statusCallback: req.statusCallback,
        });
        return {
          sid: message.sid,
          status: message.status,
          from: message.from ?? null,
          errorCode: message.errorCode ?? null,
          errorMessage: message.errorMessage ?? null,
        };
      } catch (err) {
        throw toAppError(err, { to: req.to });
      }
    },
    async recentMessages({ to, from, limit }): Promise<ListedMessage[]> {
      const sender = from ?? defaultFrom;
      try {
        const listed = await client.messages.list({
          to,
          // A Messaging Service picks the number itself: filter by recipient only, match the service.
          ...(sender && !isMessagingServiceSid(sender) ? { from: sender } : {}),
          pageSize: Math.min(limit, 1000),
          limit,
        });
        return listed.map((m) => ({
          sid: m.sid,
          status: m.status,
          from: m.from ?? null,
          errorCode: m.errorCode ?? null,
          errorMessage: m.errorMessage ?? null,
          body: m.body ?? '',
          messagingServiceSid: m.messagingServiceSid ?? null,
          dateCreated: m.dateCreated,
        }));
      } catch (err) {
        throw toAppError(err, { to });
      }
    },
  };
}

/** `DR` + 32 hex: shaped like a Twilio SID so it fits the same columns, but never a real prefix. */
function dryRunSid(): string {
  return `DR${randomBytes(16).toString('hex')}`;
}

function createDryRunTransport(
  defaultFrom: string | undefined,
  logger: Pick<Log, 'info' | 'warn'>,
): TwilioTransport {
  return {
    mode: 'dry-run',
    async send(req: SendRequest): Promise<SendResult> {
      const sender = req.from ?? defaultFrom;
      const sid = dryRunSid();
      // The body itself may be personal; its length is enough to see that something was sent.
      logger.info('dry-run send', {
        sid,
        to: req.to,
        bodyLength: req.body.length,
        mediaCount: req.mediaUrl?.length ?? 0,
      });
      return {
        sid,
        status: 'dry-run',
        from: sender && !isMessagingServiceSid(sender) ? sender : null,
        errorCode: null,
        errorMessage: null,
      };
    },
    // Nothing was ever sent: an attempt that died was never at Twilio.
    async recentMessages(): Promise<ListedMessage[]> {
      return [];
    },
  };
}
