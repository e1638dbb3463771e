// Twilio's message status callbacks applied to stored messages, forward only.
// https://www.twilio.com/docs/messaging/guides/track-outbound-message-status
import type { ConversationStore } from '../conversations/store';
import type { Log } from '../logger';

/** Twilio's error for a recipient who replied STOP: https://www.twilio.com/docs/api/errors/21610 */
export const OPTED_OUT_ERROR = 21610;

export interface StatusUpdate {
  messageSid: string;
  status: string;
  errorCode: number | null;
  /** The recipient of the outbound message. */
  to: string | null;
  from: string | null;
}

export class StatusService {
  constructor(
    private readonly store: ConversationStore,
    private readonly logger: Log,
    private readonly onStatus?: (status: string, errorCode: number | null) => void,
  ) {}

  async apply(update: StatusUpdate): Promise<'updated' | 'stale' | 'unknown_sid'> {
    const result = await this.store.applyStatus(update.messageSid, update.status, update.errorCode);
    if (result === 'unknown_sid') {
      this.logger.warn('status callback for an unknown message', {
        sid: update.messageSid,
        status: update.status,
      });
    } else if (result === 'updated') {
      this.onStatus?.(update.status, update.errorCode);
    }
    // The carrier or Twilio knows the contact opted out: honour it whatever the message.
    if (update.errorCode === OPTED_OUT_ERROR && update.to) {
      await this.store.setOptedOut(update.to, update.from, true, 'twilio_21610');
      this.logger.info('contact opted out (error 21610 in a status callback)', {
        sid: update.messageSid,
      });
    }
    return result;
  }
}
