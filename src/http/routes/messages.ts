// The messages API: send now (POST /api/messages and the original POST /api/send-sms), read one
// message, list messages by status. Its schemas and its operations, declared once.
import { z } from 'zod';
import { MESSAGE_STATUSES, type MessageDoc } from '../../db/models/message';
import type { ConversationStore } from '../../conversations/store';
import { toMessageView, type ThreadReader } from '../../conversations/threads';
import { NotFoundError, ValidationError } from '../../errors';
import { fingerprint, type OutboundService, type SentMessage } from '../../outbound/messages';
import {
  IdParam,
  MediaUrls,
  MessageBody,
  PageQuery,
  Phone,
  Recipient,
  Sender,
  Timestamp,
  Vars,
  bodyXorTemplate,
  pageOf,
} from '../fields';
import { adminName } from '../middleware/adminAuth';
import { operation } from '../operation';

export const SendMessageRequest = bodyXorTemplate(
  z
    .object({
      to: Recipient,
      body: MessageBody.optional(),
      template: z.string().min(1).max(200).optional(),
      vars: Vars.optional(),
      media: MediaUrls.optional(),
      from: Sender.optional(),
    })
    .strict(),
).openapi('SendMessageRequest');

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
    message_content: MessageBody.min(1, 'must not be empty'),
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
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .openapi('Message');

export const MessagePage = pageOf(Message, 'MessagePage');

export const MessageListQuery = PageQuery.extend({
  status: z
    .enum(MESSAGE_STATUSES)
    .optional()
    .openapi({ description: 'Only messages in this status, e.g. `unknown` or `sending`' }),
}).strict();

const IDEMPOTENCY_KEY = /^[\w.:-]{1,200}$/;

function sentView(sent: SentMessage) {
  const m: MessageDoc = sent.message;
  return {
    id: String(m._id),
    sid: m.sid ?? null,
    status: m.status,
    to: m.contact,
    from: m.number ?? null,
    segments: sent.segments,
    encoding: sent.encoding,
  };
}

export interface MessageDeps {
  outbound: OutboundService;
  store: ConversationStore;
  threads: ThreadReader;
}

const op = operation<MessageDeps>();

/** What a send can answer beyond its input: the recipient, the template, Twilio. */
const SEND_ERRORS = [
  'unknown_template',
  'body_too_long',
  'opted_out',
  'invalid_recipient',
  'twilio_rejected',
  'template_render_failed',
  'twilio_failed',
  'twilio_unreachable',
  'twilio_auth_failed',
  'twilio_rate_limited',
  'twilio_unavailable',
] as const;

export const messageOperations = [
  op({
    method: 'post',
    path: '/api/messages',
    auth: 'admin',
    tag: 'messages',
    summary: 'Send a message now',
    description:
      'With an Idempotency-Key, a repeat of the same request returns the first answer without sending again. ' +
      'A repeat after Twilio rejected the message (422, 409) gets the same error; a repeat after a 502 ' +
      '(Twilio not reached) tries again with the stored message.',
    headers: z.object({ 'Idempotency-Key': z.string().optional() }),
    body: {
      type: 'application/json',
      schema: SendMessageRequest,
      example: { to: '+14155550123', template: 'welcome', vars: { name: 'Ada' } },
    },
    responses: {
      202: {
        description: 'Accepted by Twilio (or recorded as dry-run)',
        schema: SendMessageResponse,
      },
    },
    errors: [...SEND_ERRORS, 'idempotency_key_reused', 'send_in_progress', 'send_conflict'],
    handle: async ({ body }, { outbound }, req) => {
      const idempotencyKey = req.get('idempotency-key');
      if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
        throw new ValidationError(
          'Idempotency-Key must be 1-200 letters, digits, dots, colons, dashes or underscores',
          [{ field: 'Idempotency-Key', message: 'invalid' }],
        );
      }
      // Keys are per admin user, so two users cannot collide on the same key.
      const sent = await outbound.send(body, {
        key: idempotencyKey ? `api:${adminName(req)}:${idempotencyKey}` : undefined,
        requestHash: idempotencyKey ? fingerprint(body) : undefined,
        replayFailures: idempotencyKey !== undefined,
      });
      return sentView(sent);
    },
  }),
  op({
    method: 'get',
    path: '/api/messages',
    auth: 'admin',
    tag: 'messages',
    summary: 'Messages, newest first, optionally in one status',
    description:
      'For operators: `status=unknown` lists sends whose attempt died while Twilio could not be asked ' +
      'whether they got there (they are asked again on every recovery pass); `status=sending` lists sends under way.',
    query: MessageListQuery,
    responses: { 200: { description: 'A page of messages', schema: MessagePage } },
    handle: ({ query }, { threads }) =>
      threads.messagesByStatus(query.status, query.page, query.limit),
  }),
  op({
    method: 'post',
    path: '/api/send-sms',
    auth: 'admin',
    tag: 'messages',
    summary: 'Send a message (the original API)',
    body: {
      type: 'application/json',
      schema: LegacySendRequest,
      example: { recipient_number: '+14155550123', message_content: 'Your table is ready.' },
    },
    responses: { 200: { description: 'Sent', schema: LegacySendResponse } },
    errors: [...SEND_ERRORS],
    handle: async ({ body }, { outbound }) => {
      const sent = await outbound.send({ to: body.recipient_number, body: body.message_content });
      return { message_sid: sent.message.sid ?? null };
    },
  }),
  op({
    method: 'get',
    path: '/api/messages/{id}',
    auth: 'admin',
    tag: 'messages',
    summary: 'One message',
    params: IdParam,
    responses: { 200: { description: 'The message', schema: Message } },
    errors: ['message_not_found'],
    handle: async ({ params }, { store }) => {
      const message = await store.findById(params.id);
      if (!message) throw new NotFoundError(`No message ${params.id}`, 'message_not_found');
      return toMessageView(message);
    },
  }),
];
