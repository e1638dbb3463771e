// Stored conversations as `replybot replay` needs them: each thread active in a window, with its
// inbound messages from the first on and the replies the webhook gave to each. Reads only.
import type { Models } from '../db/models';

export interface StoredInbound {
  /** The thread's n-th message from the contact (1 = first). */
  n: number;
  body: string;
  media: { url: string; contentType: string | null }[];
  createdAt: Date;
  /** The rule that answered, or null. */
  rule: string | null;
  /** The replies the webhook gave, in order (empty: no reply). */
  replies: string[];
}

export interface StoredThread {
  contact: string;
  number: string;
  inbound: StoredInbound[];
}

interface MessageRow {
  key: string;
  direction: 'inbound' | 'outbound';
  body?: string;
  media?: { url: string; contentType?: string | null }[];
  rule?: string | null;
  /** Inbound: the thread's count once it took the message in, i.e. its place in the thread. */
  seq?: number | null;
  createdAt: Date;
}

const INBOUND_KEY = /^in:(.+)$/;
const REPLY_KEY = /^reply:(.+):(\d+)$/;

export class ConversationHistory {
  constructor(private readonly models: Pick<Models, 'Thread' | 'Message'>) {}

  /** Threads with a message since `since`, oldest activity first, one at a time. */
  async *threadsSince(since: Date): AsyncGenerator<StoredThread> {
    const threads = this.models.Thread.find(
      { lastMessageAt: { $gte: since } },
      { contact: 1, number: 1 },
    )
      .sort({ lastMessageAt: 1, _id: 1 })
      .lean<{ _id: string; contact: string; number: string }[]>()
      .cursor();
    for await (const thread of threads) {
      const rows = await this.models.Message.find(
        { thread: String(thread._id) },
        { key: 1, direction: 1, body: 1, media: 1, rule: 1, seq: 1, createdAt: 1 },
      )
        .sort({ createdAt: 1, _id: 1 })
        .lean<MessageRow[]>();
      yield { contact: thread.contact, number: thread.number, inbound: inboundOf(rows) };
    }
  }
}

/** Inbound messages in order, each with the replies stored under its MessageSid. */
function inboundOf(rows: MessageRow[]): StoredInbound[] {
  const replies = new Map<string, string[]>();
  for (const row of rows) {
    const reply = REPLY_KEY.exec(row.key);
    if (row.direction !== 'outbound' || !reply) continue;
    const list = replies.get(reply[1]) ?? [];
    list[Number(reply[2])] = row.body ?? '';
    replies.set(reply[1], list);
  }
  // In the order the thread took them in (`seq`): two messages may share a millisecond.
  const inboundRows = rows
    .filter((row) => row.direction === 'inbound' && INBOUND_KEY.test(row.key))
    .sort(
      (a, b) =>
        (a.seq ?? Infinity) - (b.seq ?? Infinity) || a.createdAt.getTime() - b.createdAt.getTime(),
    );
  const inbound: StoredInbound[] = [];
  for (const row of inboundRows) {
    const sid = INBOUND_KEY.exec(row.key)![1];
    inbound.push({
      n: inbound.length + 1,
      body: row.body ?? '',
      media: (row.media ?? []).map((m) => ({ url: m.url, contentType: m.contentType ?? null })),
      createdAt: row.createdAt,
      rule: row.rule ?? null,
      replies: (replies.get(sid) ?? []).filter((r) => r !== undefined),
    });
  }
  return inbound;
}
