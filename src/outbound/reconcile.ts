// Did a send whose attempt died reach Twilio? Twilio takes no idempotency key, so the only way to
// know is to look: its message list for that recipient (and sender), newest first.
import type { MessageDoc } from '../db/models/message';
import { isMessagingServiceSid } from '../twilioLimits';
import type { ListedMessage, TwilioTransport } from './twilioTransport';

/** How far back of the attempt's start a message still counts: Twilio's clock, to the second. */
const CLOCK_SLACK_MS = 60_000;
/** How many of the recipient's newest messages are searched. */
const SEARCH_DEPTH = 50;

export interface ReconcileDeps {
  transport: TwilioTransport;
  /** Whether a SID already belongs to another of our messages (then it is not this one). */
  knowsSid(sid: string): Promise<boolean>;
}

/**
 * The message at Twilio that this send became, or null when there is none: one to the same
 * recipient, from the same sender (or Messaging Service), with the same body, created since the
 * attempt began, and not already another message of ours. Rejects when Twilio cannot be asked.
 */
export async function findAtTwilio(
  deps: ReconcileDeps,
  message: Pick<MessageDoc, 'contact' | 'number' | 'body' | 'attemptAt' | 'createdAt'>,
): Promise<ListedMessage | null> {
  const since = (message.attemptAt ?? message.createdAt).getTime() - CLOCK_SLACK_MS;
  const sender = message.number ?? undefined;
  const viaService = sender !== undefined && isMessagingServiceSid(sender);
  const listed = await deps.transport.recentMessages({
    to: message.contact,
    from: sender,
    limit: SEARCH_DEPTH,
  });
  for (const candidate of listed) {
    if (candidate.dateCreated.getTime() < since) break; // newest first: the rest are older
    if (candidate.body !== (message.body ?? '')) continue;
    const sameSender = viaService
      ? candidate.messagingServiceSid === sender
      : sender === undefined || candidate.from === sender;
    if (!sameSender) continue;
    if (await deps.knowsSid(candidate.sid)) continue;
    return candidate;
  }
  return null;
}
