// How many SMS segments a body costs and in which encoding Twilio will send it.
//
// Rules from GSM 03.38 / 3GPP TS 23.038 and Twilio's explanation of them:
// https://www.twilio.com/docs/glossary/what-sms-character-limit
// https://www.twilio.com/docs/glossary/what-is-gsm-7-character-encoding
// https://www.twilio.com/docs/glossary/what-is-ucs-2-character-encoding
//
// Decisions:
// - An empty body is reported as 1 segment of 0 characters: a message with no text is still one
//   SMS on the wire and Twilio bills it as one. (The API rejects empty bodies before this matters.)
// - We do not model Twilio's optional "smart encoding" (replacing curly quotes and the like with
//   GSM look-alikes): it is off unless enabled on a Messaging Service, so what we report is the
//   upper bound.

export type SmsEncoding = 'GSM-7' | 'UCS-2';

export interface SegmentCount {
  encoding: SmsEncoding;
  segments: number;
  /** Unicode code points in the body: what a person would count. */
  characters: number;
  /** What the limits count: septets for GSM-7 (extension characters are 2), UTF-16 code units for UCS-2. */
  units: number;
}

// The GSM 03.38 default alphabet (1 septet each). ESC (0x1B) itself is not a character users send.
const GSM_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
// The extension table: each is sent as ESC + character, so it costs 2 septets.
const GSM_EXTENSION = '\f^{}\\[~]|€';

const GSM_BASIC_SET = new Set(GSM_BASIC);
const GSM_EXTENSION_SET = new Set(GSM_EXTENSION);

/** Per-message limits: a lone SMS, and each part of a concatenated one (the UDH takes 6 bytes). */
const LIMITS: Record<SmsEncoding, { single: number; perSegment: number }> = {
  'GSM-7': { single: 160, perSegment: 153 },
  'UCS-2': { single: 70, perSegment: 67 },
};

/** Septets a character costs in GSM-7, or null when it is not in the GSM-7 alphabet at all. */
function gsmCost(char: string): 1 | 2 | null {
  if (GSM_BASIC_SET.has(char)) return 1;
  if (GSM_EXTENSION_SET.has(char)) return 2;
  return null;
}

/**
 * Counts segments for `body`. Iterates by code point so that a surrogate pair (emoji and other
 * astral characters, 2 UTF-16 units) and a GSM escape pair (2 septets) are never split across
 * segments: a unit that does not fit the current segment starts the next one, as handsets and
 * Twilio do.
 */
export function countSegments(body: string): SegmentCount {
  const chars = Array.from(body);
  const gsmCosts = chars.map(gsmCost);
  const isGsm = gsmCosts.every((cost) => cost !== null);
  const encoding: SmsEncoding = isGsm ? 'GSM-7' : 'UCS-2';
  // A lone surrogate (malformed UTF-16) comes out of Array.from as one 1-unit string: still counted.
  const costs = isGsm ? (gsmCosts as number[]) : chars.map((char) => char.length);

  const units = costs.reduce((sum, cost) => sum + cost, 0);
  const limits = LIMITS[encoding];
  if (units <= limits.single) {
    return { encoding, segments: 1, characters: chars.length, units };
  }

  let segments = 1;
  let used = 0;
  for (const cost of costs) {
    if (used + cost > limits.perSegment) {
      segments += 1;
      used = 0;
    }
    used += cost;
  }
  return { encoding, segments, characters: chars.length, units };
}

/** The characters that force UCS-2, each once, in order: what to replace to get back to GSM-7. */
export function nonGsmCharacters(body: string): string[] {
  return [...new Set(Array.from(body).filter((char) => gsmCost(char) === null))];
}
