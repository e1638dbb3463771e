// Twilio's webhook forms decoded into small typed structs, required fields declared once.
// https://www.twilio.com/docs/messaging/guides/webhook-request
// https://www.twilio.com/docs/messaging/guides/track-outbound-message-status
import { ValidationError } from '../errors';

export interface InboundForm {
  messageSid: string;
  from: string;
  to: string;
  body: string;
  media: { url: string; contentType: string | null }[];
}

export interface StatusForm {
  messageSid: string;
  status: string;
  errorCode: number | null;
  to: string | null;
  from: string | null;
}

type Form = Record<string, unknown>;

function field(form: Form, name: string): string | undefined {
  const value = form[name];
  // A repeated field arrives as an array: take the first, as Twilio never repeats these.
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' ? first : undefined;
}

function required(form: Form, names: string[]): Record<string, string> {
  const missing = names.filter((n) => !field(form, n)?.trim());
  if (missing.length > 0) {
    throw new ValidationError(
      `Missing required field${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}`,
      { missing },
      'missing_fields',
    );
  }
  return Object.fromEntries(names.map((n) => [n, field(form, n)!.trim()]));
}

const MAX_MEDIA = 10;

export function parseInboundForm(form: Form): InboundForm {
  const { MessageSid, From, To } = required(form, ['MessageSid', 'From', 'To']);
  const numMedia = Math.min(
    Math.max(Number.parseInt(field(form, 'NumMedia') ?? '0', 10) || 0, 0),
    MAX_MEDIA,
  );
  const media: InboundForm['media'] = [];
  for (let i = 0; i < numMedia; i++) {
    const url = field(form, `MediaUrl${i}`);
    if (url) media.push({ url, contentType: field(form, `MediaContentType${i}`) ?? null });
  }
  // Twilio may deliver a long concatenated SMS with odd line breaks or a missing Body: be lenient.
  const body = decodePossibleBase64Body((field(form, 'Body') ?? '').replace(/\r\n?/g, '\n'));
  return { messageSid: MessageSid, from: From, to: To, body, media };
}

/**
 * Twilio has been seen delivering a long concatenated SMS as an MMS whose Body is the text in
 * base64 (nyaruka/rapidpro#1187, "Deal with Twilio arbitrarily sending messages as base64"; courier
 * keeps the same decoding). Undocumented, so decoded only when nothing else is plausible: 60 or
 * more characters of strict base64 (line breaks aside) that decode to valid UTF-8 text without
 * control characters. A human text of that length has spaces or punctuation and is left alone.
 */
export function decodePossibleBase64Body(body: string): string {
  const packed = body.replace(/[\r\n]/g, '').trim();
  if (packed.length < 60 || packed.length % 4 !== 0) return body;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(packed)) return body;
  const bytes = Buffer.from(packed, 'base64');
  if (bytes.toString('base64') !== packed) return body;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return body;
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(text)) return body;
  return text.replace(/\r\n?/g, '\n');
}

export function parseStatusForm(form: Form): StatusForm {
  const { MessageSid } = required(form, ['MessageSid']);
  const status = field(form, 'MessageStatus') ?? field(form, 'SmsStatus');
  if (!status)
    throw new ValidationError(
      'Missing required field: MessageStatus',
      { missing: ['MessageStatus'] },
      'missing_fields',
    );
  const code = Number.parseInt(field(form, 'ErrorCode') ?? '', 10);
  return {
    messageSid: MessageSid,
    status: status.toLowerCase(),
    errorCode: Number.isFinite(code) ? code : null,
    to: field(form, 'To') ?? null,
    from: field(form, 'From') ?? null,
  };
}
