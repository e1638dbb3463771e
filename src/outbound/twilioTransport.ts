// Sends one SMS/MMS through Twilio's Messages API, or pretends to (dry-run) when no credentials are set.
//
// https://www.twilio.com/docs/messaging/api/message-resource#create-a-message-resource
import { randomBytes } from 'node:crypto';
import twilio from 'twilio';
import type { RetryPolicy } from './retryPolicy';
import { TwilioHttpClient, type TransportLogger } from './twilioHttpClient';
import { toAppError } from './twilioErrors';

export type { TransportLogger } from './twilioHttpClient';

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

export interface TwilioTransport {
  readonly mode: 'twilio' | 'dry-run';
  /** Resolves once Twilio accepted the message; rejects with an AppError (see toAppError). */
  send(req: SendRequest): Promise<SendResult>;
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
  logger?: TransportLogger;
  timeoutMs?: number;
}

const silent: TransportLogger = { warn: () => undefined, info: () => undefined };

/**
 * Messaging Service SIDs go in `MessagingServiceSid`, never in `From`. Matched exactly (MG + 32
 * hex) so that an alphanumeric sender ID that happens to start with "MG" still goes in `From`.
 */
function isMessagingServiceSid(sender: string): boolean {
  return /^MG[0-9a-fA-F]{32}$/.test(sender);
}

function senderParams(sender: string | undefined): { from?: string; messagingServiceSid?: string } {
  if (!sender) return {};
  return isMessagingServiceSid(sender) ? { messagingServiceSid: sender } : { from: sender };
}

export function createTwilioTransport(options: TwilioTransportOptions = {}): TwilioTransport {
  const accountSid = options.accountSid || undefined;
  const authToken = options.authToken || undefined;
  const logger = options.logger ?? silent;
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
  };
}

/** `DR` + 32 hex: shaped like a Twilio SID so it fits the same columns, but never a real prefix. */
function dryRunSid(): string {
  return `DR${randomBytes(16).toString('hex')}`;
}

function createDryRunTransport(
  defaultFrom: string | undefined,
  logger: TransportLogger,
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
  };
}
