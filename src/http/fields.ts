// Field schemas more than one subject of the API shares: numbers, senders, variables, media, pages,
// ids and the error body. Twilio's limits and patterns come from src/twilioLimits.ts.
import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import {
  E164_PATTERN,
  MAX_BODY_CHARS,
  MAX_MEDIA,
  PHONE_OR_SERVICE_PATTERN,
  isPhoneNumber,
} from '../twilioLimits';

extendZodWithOpenApi(z);

const PHONE_EXAMPLE = '+14155550123';

/** A contact's number as stored: E.164 spelling. */
export const Phone = z
  .string()
  .regex(E164_PATTERN, `must be an E.164 phone number such as ${PHONE_EXAMPLE}`)
  .openapi({ example: PHONE_EXAMPLE });

/** A number we may send to: E.164 and dialable by libphonenumber-js. */
export const Recipient = z
  .string()
  .refine(isPhoneNumber, `must be a valid E.164 phone number such as ${PHONE_EXAMPLE}`)
  .openapi({ example: PHONE_EXAMPLE });

/** Our side of a send: an E.164 number or a Messaging Service SID. */
export const Sender = z
  .string()
  .regex(PHONE_OR_SERVICE_PATTERN, 'must be an E.164 number or a Messaging Service SID (MG…)')
  .openapi({ example: '+14155550100' });

/** A message text as Twilio takes it. */
export const MessageBody = z
  .string()
  .max(MAX_BODY_CHARS, `at most ${MAX_BODY_CHARS} characters`)
  .openapi({ example: 'Your table is ready.' });

/** Template variables: plain values only, so nothing here can become a query operator. */
export const Vars = z
  .record(
    z.string().regex(/^[A-Za-z_][\w-]*$/, 'variable names are letters, digits, _ and -'),
    z.union([z.string(), z.number(), z.boolean(), z.null()]),
  )
  .openapi({ example: { name: 'Ada' } });

export const MediaUrls = z
  .array(
    z
      .string()
      .url()
      .regex(/^https?:\/\//i, 'must be an http(s) URL'),
  )
  .max(MAX_MEDIA, `at most ${MAX_MEDIA} media URLs`)
  .openapi({ example: ['https://example.com/menu.png'] });

export const Timestamp = z.string().datetime();

/** One of the two: the body or the template (with its vars). */
export function bodyXorTemplate<
  T extends z.ZodType<{ body?: unknown; template?: unknown; vars?: unknown }>,
>(schema: T) {
  return schema
    .refine((v) => (v.body === undefined) !== (v.template === undefined), {
      message: 'give exactly one of body and template',
      path: ['body'],
    })
    .refine((v) => v.vars === undefined || v.template !== undefined, {
      message: 'vars go with template',
      path: ['vars'],
    });
}

const intFromQuery = (fallback: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .refine((n) => n >= 1 && n <= max, `must be between 1 and ${max}`)
    .optional()
    .transform((n) => n ?? fallback);

export const PageQuery = z.object({
  page: intFromQuery(1, 1_000_000),
  limit: intFromQuery(20, 100),
});

export const pageOf = <T extends z.ZodTypeAny>(item: T, name: string) =>
  z
    .object({
      items: z.array(item),
      page: z.number().int(),
      limit: z.number().int(),
      total: z.number().int(),
    })
    .openapi(name);

export const IdParam = z.object({
  id: z.string().regex(/^[0-9a-f]{24}$/, 'must be a 24-character hex id'),
});

export const PhoneParam = z.object({ phone: Phone });

/** Every error answer: `{error: {code, message, details?}}`, the code from the error catalogue. */
export const ErrorResponse = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'validation_failed' }),
      message: z.string(),
      details: z.unknown().optional(),
    }),
  })
  .openapi('Error');
