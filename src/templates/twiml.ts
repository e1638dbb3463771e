// Turns rendered replies into the TwiML document answering Twilio's incoming-message webhook.
import twilio from 'twilio';

import { MAX_BODY_CHARS, MAX_MEDIA } from '../twilioLimits';

export interface TwimlReply {
  body: string;
  media: readonly string[];
}

const WHITESPACE = /\s/;
const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * Splits a reply into parts of at most `limit` UTF-16 code units (what String#length counts; never
 * fewer characters than Twilio counts), breaking at whitespace. A word longer than the limit is cut
 * between characters as a reader sees them (grapheme clusters), or between code points when one
 * cluster alone is too long, so a surrogate pair is never split. Parts are trimmed, none is empty,
 * and a blank text gives no parts.
 */
export function splitMessage(text: string, limit = MAX_BODY_CHARS): string[] {
  if (!Number.isInteger(limit) || limit < 2) {
    // Below 2 an emoji (a surrogate pair) could never fit.
    throw new RangeError(`splitMessage: limit must be an integer of at least 2, got ${limit}`);
  }
  const parts: string[] = [];
  let rest = text.trim();
  while (rest.length > limit) {
    const cut = lastWhitespaceAtOrBefore(rest, limit);
    if (cut > 0) {
      parts.push(rest.slice(0, cut).trimEnd());
      rest = rest.slice(cut).trimStart();
    } else {
      const head = longestPrefixWithin(rest, limit);
      parts.push(head);
      rest = rest.slice(head.length).trimStart();
    }
  }
  if (rest.length > 0) parts.push(rest);
  return parts;
}

/** Index of the last whitespace in text[1..limit], or -1; text[limit] counts, as the cut drops it. */
function lastWhitespaceAtOrBefore(text: string, limit: number): number {
  for (let i = limit; i > 0; i--) {
    if (WHITESPACE.test(text[i])) return i;
  }
  return -1;
}

/** The longest non-empty prefix of at most `limit` code units ending on a grapheme (else code point) boundary. */
function longestPrefixWithin(text: string, limit: number): string {
  let end = 0;
  // segment() is lazy, so a 4,000-character word is only read as far as the limit.
  for (const { index, segment } of graphemes.segment(text)) {
    if (index + segment.length > limit) break;
    end = index + segment.length;
  }
  if (end > 0) return text.slice(0, end);
  for (const codePoint of text) {
    if (end + codePoint.length > limit) break;
    end += codePoint.length;
  }
  return text.slice(0, end);
}

// Characters XML 1.0 cannot carry at all (control characters, lone surrogates, U+FFFE/U+FFFF).
// The SDK would throw on them and Twilio would get no answer; dropping them keeps the reply.
// https://www.w3.org/TR/xml/#charsets
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const XML_ILLEGAL = /[\0-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF\uD800-\uDFFF]/gu;

/**
 * The TwiML answer to an incoming message: one `<Message>` per part of each reply (see
 * splitMessage), media on the reply's first part (ten per message, Twilio's limit, the rest
 * on the following parts). Built with the SDK's MessagingResponse, which
 * escapes XML exactly once, so bodies must be plain rendered text. No replies → `<Response/>`.
 */
export function buildTwiml(replies: readonly TwimlReply[]): string {
  const response = new twilio.twiml.MessagingResponse();
  for (const reply of replies) {
    const parts = splitMessage(reply.body.replace(XML_ILLEGAL, ''));
    const mediaGroups = chunk(reply.media, MAX_MEDIA);
    const count = Math.max(parts.length, mediaGroups.length);
    for (let i = 0; i < count; i++) {
      const body = parts[i];
      const media = mediaGroups[i] ?? [];
      if (media.length === 0) {
        response.message(body);
        continue;
      }
      // With media, Twilio's documented shape is nested <Body> and <Media> nouns.
      const message = response.message({}, '');
      if (body !== undefined) message.body(body);
      for (const url of media) message.media(url);
    }
  }
  return response.toString();
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const groups: T[][] = [];
  for (let i = 0; i < items.length; i += size) groups.push(items.slice(i, i + size));
  return groups;
}
