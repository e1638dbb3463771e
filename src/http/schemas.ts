// Request and response schemas: the single source for validation and for the OpenAPI document.
import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { isE164 } from '../outbound/messages';
import { MESSAGE_STATUSES } from '../db/models/message';

extendZodWithOpenApi(z);

const E164 = /^\+[1-9]\d{6,14}$/;

export const Phone = z
  .string()
  .regex(E164, 'must be an E.164 phone number such as +14155550123')
  .openapi({ example: '+14155550123' });

/** A number we may send to: E.164 and a real number by libphonenumber-js (one code for both). */
export const Recipient = Phone.refine(
  isE164,
  'must be a valid E.164 phone number such as +14155550123',
);

/** Plain strings and numbers only: no objects, so nothing here can become a query operator. */
const Vars = z
  .record(
    z.string().regex(/^[A-Za-z_][\w-]*$/, 'variable names are letters, digits, _ and -'),
    z.union([z.string(), z.number(), z.boolean(), z.null()]),
  )
  .openapi({ example: { name: 'Ada' } });

const MediaUrls = z
  .array(
    z
      .string()
      .url()
      .regex(/^https?:\/\//i, 'must be an http(s) URL'),
  )
  .max(10, 'at most 10 media URLs')
  .openapi({ example: ['https://example.com/menu.png'] });

export const ErrorResponse = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'validation_failed' }),
      message: z.string(),
      details: z.unknown().optional(),
    }),
  })
  .openapi('Error');

export const SendMessageRequest = z
  .object({
    to: Recipient,
    body: z.string().max(1600, 'at most 1600 characters').optional(),
    template: z.string().min(1).max(200).optional(),
    vars: Vars.optional(),
    media: MediaUrls.optional(),
    from: z
      .string()
      .regex(
        /^(\+[1-9]\d{6,14}|MG[0-9a-fA-F]{32})$/,
        'must be an E.164 number or a Messaging Service SID (MG…)',
      )
      .optional(),
  })
  .strict()
  .refine((v) => (v.body === undefined) !== (v.template === undefined), {
    message: 'give exactly one of body and template',
    path: ['body'],
  })
  .refine((v) => v.vars === undefined || v.template !== undefined, {
    message: 'vars go with template',
    path: ['vars'],
  })
  .openapi('SendMessageRequest');

export const SendMessageResponse = z
  .object({
    id: z.string(),
    sid: z.string().nullable().openapi({ example: 'SM1a2b3c4d5e6f708192a3b4c5d6e7f809' }),
    status: z.string().openapi({ example: 'queued' }),
    to: Phone,
    from: z.string().nullable(),
    segments: z.number().int(),
    encoding: z.enum(['GSM-7', 'UCS-2']),
  })
  .openapi('SendMessageResponse');

export const LegacySendRequest = z
  .object({
    recipient_number: Recipient,
    message_content: z.string().min(1).max(1600),
  })
  .strict()
  .openapi('LegacySendRequest');

export const LegacySendResponse = z
  .object({ message_sid: z.string().nullable() })
  .openapi('LegacySendResponse');

export const Message = z
  .object({
    id: z.string(),
    threadId: z.string().nullable(),
    direction: z.enum(['inbound', 'outbound']),
    contact: Phone,
    number: z.string().nullable(),
    body: z.string(),
    media: z.array(z.object({ url: z.string(), contentType: z.string().nullable() })),
    sid: z.string().nullable(),
    status: z.string(),
    errorCode: z.number().nullable(),
    errorMessage: z.string().nullable(),
    rule: z.string().nullable(),
    scheduleId: z.string().nullable(),
    segments: z.number().nullable(),
    encoding: z.string().nullable(),
    createdAt: z.string().datetime(),
    updatedAt: z.string().datetime(),
  })
  .openapi('Message');

export const Thread = z
  .object({
    id: z.string(),
    contact: Phone,
    number: z.string(),
    state: z.string().nullable(),
    vars: z.record(z.string(), z.unknown()),
    tags: z.array(z.string()),
    optedOut: z.boolean(),
    optedOutAt: z.string().datetime().nullable(),
    firstMessageAt: z.string().datetime().nullable(),
    lastMessageAt: z.string().datetime().nullable(),
    inboundCount: z.number().int(),
    messageCount: z.number().int(),
  })
  .openapi('Thread');

export const ThreadWithMessages = Thread.extend({ messages: z.array(Message) }).openapi(
  'ThreadWithMessages',
);

const pageOf = <T extends z.ZodTypeAny>(item: T, name: string) =>
  z
    .object({
      items: z.array(item),
      page: z.number().int(),
      limit: z.number().int(),
      total: z.number().int(),
    })
    .openapi(name);

export const ThreadPage = pageOf(Thread, 'ThreadPage');
export const MessagePage = pageOf(Message, 'MessagePage');

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

export const MessageListQuery = PageQuery.extend({
  status: z
    .enum(MESSAGE_STATUSES)
    .optional()
    .openapi({ description: 'Only messages in this status, e.g. `unknown` or `sending`' }),
}).strict();

export const ThreadListQuery = PageQuery.extend({
  optedOut: z
    .enum(['true', 'false'])
    .optional()
    .transform((v) => (v === undefined ? undefined : v === 'true')),
  tag: z.string().min(1).max(100).optional(),
}).strict();

export const ThreadQuery = z.object({ number: z.string().min(1).max(40).optional() }).strict();

export const PhoneParam = z.object({ phone: Phone });
export const IdParam = z.object({
  id: z.string().regex(/^[0-9a-f]{24}$/, 'must be a 24-character hex id'),
});

export const RuleTestRequest = z
  .object({
    body: z.string().max(5000),
    from: Phone.optional(),
    to: z.string().max(40).optional().openapi({
      description:
        'Our number the message was sent to; default TWILIO_FROM, else the first number a `to` condition of the rules names (as the webhook would see it).',
    }),
    state: z.string().max(200).nullable().optional(),
    vars: z.record(z.string(), z.unknown()).optional(),
    tags: z.array(z.string().max(100)).max(100).optional(),
    messageCount: z.number().int().min(0).optional().openapi({
      description:
        'Messages the contact sent before this one; default 0, a new contact (so `first_message` holds).',
    }),
    optedOut: z.boolean().optional().openapi({
      description:
        'The contact opted out before this message; default false. An opted-out contact gets answers to the opt-in and help keywords only, as on the webhook.',
    }),
    media: MediaUrls.optional(),
  })
  .strict()
  .openapi('RuleTestRequest');

export const RuleTestResponse = z
  .object({
    kind: z.enum(['opt_out', 'opt_in', 'help', 'rule', 'none']),
    rule: z.object({ id: z.string(), description: z.string().optional() }).nullable(),
    match: z.record(z.string(), z.string()),
    replies: z.array(z.object({ body: z.string(), media: z.array(z.string()) })),
    twiml: z.string(),
    actions: z.object({
      set: z.record(z.string(), z.string()),
      state: z.string().nullable().optional(),
      tags: z.object({ add: z.array(z.string()), remove: z.array(z.string()) }),
      schedule: z
        .object({
          at: z.string().datetime(),
          template: z.string().optional(),
          body: z.string().optional(),
        })
        .nullable(),
      optOut: z.boolean(),
      optIn: z.boolean(),
    }),
    error: z.string().nullable(),
  })
  .openapi('RuleTestResponse');

export const RulesStatus = z
  .object({
    version: z.string().nullable(),
    loadedAt: z.string().datetime().nullable(),
    files: z.array(z.string()),
    rules: z.array(
      z.object({
        id: z.string(),
        description: z.string().optional(),
        enabled: z.boolean(),
        file: z.string(),
        line: z.number().int(),
        examples: z.array(z.string()),
      }),
    ),
    templates: z.array(z.string()),
    warnings: z.array(z.string()),
    lastError: z.object({ at: z.string().datetime(), errors: z.array(z.string()) }).nullable(),
  })
  .openapi('RulesStatus');

export const Health = z
  .object({
    status: z.enum(['ok', 'unavailable']),
    db: z.enum(['up', 'down']),
    rules: z.object({
      loaded: z.boolean(),
      version: z.string().nullable(),
      count: z.number(),
      error: z.boolean(),
    }),
    twilio: z.enum(['twilio', 'dry-run']),
    uptime: z.number(),
  })
  .openapi('Health');
