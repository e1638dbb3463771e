// The threads API: conversations by contact. A contact who wrote to (or was sent from) several of
// our numbers has one thread per number; by phone alone, the most recently active one answers.
import { z } from 'zod';
import type { ThreadReader } from '../../conversations/threads';
import { PageQuery, Phone, PhoneParam, Timestamp, pageOf } from '../fields';
import { operation } from '../operation';
import { Message, MessagePage } from './messages';

export const Thread = z
  .object({
    id: z.string(),
    contact: Phone,
    number: z.string().openapi({
      description: 'Our number (or Messaging Service SID) this conversation is with',
    }),
    state: z.string().nullable(),
    vars: z.record(z.string(), z.unknown()),
    tags: z.array(z.string()),
    optedOut: z.boolean(),
    optedOutAt: Timestamp.nullable(),
    firstMessageAt: Timestamp.nullable(),
    lastMessageAt: Timestamp.nullable(),
    inboundCount: z.number().int(),
    messageCount: z.number().int(),
  })
  .openapi('Thread');

export const ThreadWithMessages = Thread.extend({ messages: z.array(Message) }).openapi(
  'ThreadWithMessages',
);

export const ThreadPage = pageOf(Thread, 'ThreadPage');

/** `number`: which of our numbers; without it, the contact's most recently active thread. */
const OurNumber = z.string().min(1).max(40).optional().openapi({
  description:
    "Only the thread with this number of ours (E.164 or MG… SID, as in the thread's `number`). Without it: the contact's most recently active thread, whichever of our numbers it is with.",
  example: '+14155550100',
});

export const ThreadListQuery = PageQuery.extend({
  optedOut: z
    .enum(['true', 'false'])
    .optional()
    .transform((v) => (v === undefined ? undefined : v === 'true')),
  tag: z.string().min(1).max(100).optional(),
  phone: Phone.optional().openapi({
    description: "Only this contact's threads (one per number of ours it talked with)",
  }),
}).strict();

export const ThreadQuery = z.object({ number: OurNumber }).strict();
export const ThreadMessagesQuery = PageQuery.extend({ number: OurNumber }).strict();

const op = operation<ThreadReader>();

export const threadOperations = [
  op({
    method: 'get',
    path: '/api/threads',
    auth: 'admin',
    tag: 'threads',
    summary: 'Threads, most recently active first',
    query: ThreadListQuery,
    responses: { 200: { description: 'A page of threads', schema: ThreadPage } },
    handle: ({ query }, reader) =>
      reader.list(
        { optedOut: query.optedOut, tag: query.tag, contact: query.phone },
        query.page,
        query.limit,
      ),
  }),
  op({
    method: 'get',
    path: '/api/threads/{phone}',
    auth: 'admin',
    tag: 'threads',
    summary: "A contact's thread with its recent messages",
    description:
      "The contact's most recently active thread, whichever of our numbers it is with; `number` picks one. `GET /api/threads?phone=` lists them all.",
    params: PhoneParam,
    query: ThreadQuery,
    responses: { 200: { description: 'The thread', schema: ThreadWithMessages } },
    errors: ['thread_not_found'],
    handle: ({ params, query }, reader) => reader.withRecentMessages(params.phone, query.number),
  }),
  op({
    method: 'get',
    path: '/api/threads/{phone}/messages',
    auth: 'admin',
    tag: 'threads',
    summary: "A thread's messages, newest first",
    description: 'The same thread as `GET /api/threads/{phone}` (with the same `number`).',
    params: PhoneParam,
    query: ThreadMessagesQuery,
    responses: { 200: { description: 'A page of messages', schema: MessagePage } },
    errors: ['thread_not_found'],
    handle: ({ params, query }, reader) =>
      reader.messages(params.phone, query.page, query.limit, query.number),
  }),
];
