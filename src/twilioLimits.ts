// Twilio's limits and identifier shapes, stated once. Every schema, parser and check that needs one
// of these imports it from here.
// https://www.twilio.com/docs/messaging/api/message-resource#create-a-message-resource
import { parsePhoneNumberFromString } from 'libphonenumber-js';

/** The most characters one message body may hold. */
export const MAX_BODY_CHARS = 1600;

/** The most media URLs one message may carry. */
export const MAX_MEDIA = 10;

/** A phone number in E.164 form: `+`, a country code, at most 15 digits in all. */
export const E164_PATTERN = /^\+[1-9]\d{6,14}$/;

/** A Messaging Service SID: `MG` and 32 hexadecimal digits. */
export const MESSAGING_SERVICE_SID_PATTERN = /^MG[0-9a-fA-F]{32}$/;

/** A sender or recipient: an E.164 number or a Messaging Service SID. */
export const PHONE_OR_SERVICE_PATTERN = new RegExp(
  `^(?:${unanchored(E164_PATTERN)}|${unanchored(MESSAGING_SERVICE_SID_PATTERN)})$`,
);

function unanchored(pattern: RegExp): string {
  return pattern.source.replace(/^\^|\$$/g, '');
}

/**
 * The phone number in E.164 form when `text` is one that can be dialled (libphonenumber-js decides
 * by country and length), otherwise undefined. Only the E.164 spelling is accepted: no spaces,
 * brackets or national formats, so the stored key of a contact is always written one way.
 */
export function parsePhone(text: string): string | undefined {
  if (!E164_PATTERN.test(text)) return undefined;
  const parsed = parsePhoneNumberFromString(text);
  return parsed?.isValid() ? parsed.number : undefined;
}

/** True for a dialable E.164 number (see {@link parsePhone}). */
export function isPhoneNumber(text: string): boolean {
  return parsePhone(text) !== undefined;
}

/** True for a Messaging Service SID. */
export function isMessagingServiceSid(text: string): boolean {
  return MESSAGING_SERVICE_SID_PATTERN.test(text);
}
