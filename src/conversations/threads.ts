// Reading threads and their messages for the admin API. Queries are built from typed values only.
import type { Models } from '../db/models';
import type { FilterQuery, Model } from 'mongoose';
import type { MessageDoc, MessageFields } from '../db/models/message';
import type { ThreadDoc, ThreadFields } from '../db/models/thread';
import { NotFoundError } from '../errors';

export interface Page<T> {
  items: T[];
  page: number;
  limit: number;
  total: number;
}

export interface ThreadView {
  id: string;
  contact: string;
  number: string;
  state: string | null;
  vars: Record<string, unknown>;
  tags: string[];
  optedOut: boolean;
  optedOutAt: Date | null;
  firstMessageAt: Date | null;
  lastMessageAt: Date | null;
  inboundCount: number;
  messageCount: number;
}

export interface MessageView {
  id: string;
  threadId: string | null;
  direction: 'inbound' | 'outbound';
  contact: string;
  number: string | null;
  body: string;
  media: { url: string; contentType: string | null }[];
  sid: string | null;
  status: string;
  errorCode: number | null;
  errorMessage: string | null;
  rule: string | null;
  scheduleId: string | null;
  segments: number | null;
  encoding: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export function toThreadView(t: ThreadDoc): ThreadView {
  return {
    id: String(t._id),
    contact: t.contact,
    number: t.number,
    state: t.state ?? null,
    vars: (t.vars as Record<string, unknown>) ?? {},
    tags: t.tags ?? [],
    optedOut: Boolean(t.optedOut),
    optedOutAt: t.optedOutAt ?? null,
    firstMessageAt: t.firstMessageAt ?? null,
    lastMessageAt: t.lastMessageAt ?? null,
    inboundCount: t.inboundCount ?? 0,
    messageCount: t.messageCount ?? 0,
  };
}

export function toMessageView(m: MessageDoc): MessageView {
  return {
    id: String(m._id),
    threadId: m.thread ? String(m.thread) : null,
    direction: m.direction,
    contact: m.contact,
    number: m.number ?? null,
    body: m.body ?? '',
    media: (m.media ?? []).map((x) => ({ url: x.url, contentType: x.contentType ?? null })),
    sid: m.sid ?? null,
    status: m.status,
    errorCode: m.errorCode ?? null,
    errorMessage: m.errorMessage ?? null,
    rule: m.rule ?? null,
    scheduleId: m.schedule ? String(m.schedule) : null,
    segments: m.segments ?? null,
    encoding: m.encoding ?? null,
    createdAt: m.createdAt,
    updatedAt: m.updatedAt,
  };
}

/** Most recently active first. */
const THREAD_ORDER = { lastMessageAt: -1, _id: -1 } as const;
/** Newest first: the index {thread, createdAt, _id} (db/models/message.ts). */
const MESSAGE_ORDER = { createdAt: -1, _id: -1 } as const;

/** One page of `query`'s documents in `order`, and how many there are in all. */
async function pageOf<T, Fields>(
  model: Model<Fields>,
  query: FilterQuery<Fields>,
  order: Record<string, 1 | -1>,
  page: number,
  limit: number,
): Promise<Page<T>> {
  const [items, total] = await Promise.all([
    model
      .find(query)
      .sort(order)
      .skip((page - 1) * limit)
      .limit(limit)
      .lean<T[]>(),
    model.countDocuments(query),
  ]);
  return { items, page, limit, total };
}

export interface ThreadFilter {
  optedOut?: boolean;
  tag?: string;
  /** One contact's threads (one per number of ours). */
  contact?: string;
}

export class ThreadReader {
  constructor(private readonly models: Models) {}

  async list(filter: ThreadFilter, page: number, limit: number): Promise<Page<ThreadView>> {
    const query: Record<string, unknown> = {};
    if (filter.optedOut !== undefined) query.optedOut = filter.optedOut;
    if (filter.tag !== undefined) query.tags = String(filter.tag);
    if (filter.contact !== undefined) query.contact = String(filter.contact);
    const found = await pageOf<ThreadDoc, ThreadFields>(
      this.models.Thread,
      query,
      THREAD_ORDER,
      page,
      limit,
    );
    return { ...found, items: found.items.map(toThreadView) };
  }

  /** The contact's most recently active thread (a contact may have written to several of our numbers). */
  async find(contact: string, number?: string): Promise<ThreadDoc> {
    const query: Record<string, string> = { contact: String(contact) };
    if (number !== undefined) query.number = String(number);
    const thread = await this.models.Thread.findOne(query)
      .sort({ lastMessageAt: -1 })
      .lean<ThreadDoc>();
    if (!thread) throw new NotFoundError(`No thread with ${contact}`, 'thread_not_found');
    return thread;
  }

  async withRecentMessages(
    contact: string,
    number?: string,
    recent = 20,
  ): Promise<ThreadView & { messages: MessageView[] }> {
    const thread = await this.find(contact, number);
    const messages = await this.models.Message.find({ thread: thread._id })
      .sort({ createdAt: -1, _id: -1 })
      .limit(recent)
      .lean<MessageDoc[]>();
    return { ...toThreadView(thread), messages: messages.map(toMessageView) };
  }

  /** Messages (in one status), newest first: how an operator finds sends left `unknown`. */
  async messagesByStatus(
    status: string | undefined,
    page: number,
    limit: number,
  ): Promise<Page<MessageView>> {
    return this.messagePage(status === undefined ? {} : { status: String(status) }, page, limit);
  }

  async messages(
    contact: string,
    page: number,
    limit: number,
    number?: string,
  ): Promise<Page<MessageView>> {
    const thread = await this.find(contact, number);
    return this.messagePage({ thread: thread._id }, page, limit);
  }

  private async messagePage(
    query: Record<string, unknown>,
    page: number,
    limit: number,
  ): Promise<Page<MessageView>> {
    const found = await pageOf<MessageDoc, MessageFields>(
      this.models.Message,
      query,
      MESSAGE_ORDER,
      page,
      limit,
    );
    return { ...found, items: found.items.map(toMessageView) };
  }
}
