// `replybot replay [--since 7d]`: stored conversations through the candidate rules (--rules,
// --templates): every reply that would change, and a summary by rule. Reads the database only.
import { ConversationHistory } from '../analytics/history';
import { bindModels } from '../db/models';
import { replayThread, summariseByRule, type ReplayedMessage } from '../content/replay';
import { parseDuration } from '../duration';
import { UsageError } from './args';
import { openDatabaseForReading, type OpenedDatabase } from './database';
import { loadWorkspace, plural, type Io } from './workspace';

export async function replay(
  options: Map<string, string>,
  io: Io,
  open: (io: Io) => Promise<OpenedDatabase> = openDatabaseForReading,
): Promise<number> {
  const sinceMs = parseDuration(options.get('since') ?? '7d');
  if (typeof sinceMs === 'string') throw new UsageError(`--since: ${sinceMs}`);
  const workspace = await loadWorkspace(options, io);
  if (!workspace) return 1;
  const since = new Date(io.now().getTime() - sinceMs);

  const db = await open(io);
  const messages: ReplayedMessage[] = [];
  let threads = 0;
  try {
    const history = new ConversationHistory(bindModels(db.connection));
    for await (const thread of history.threadsSince(since)) {
      threads++;
      for (const m of replayThread(workspace.snapshot, thread, since)) {
        messages.push(m);
        if (m.changed) io.out(describeChange(m));
      }
    }
  } finally {
    await db.close();
  }

  const changed = messages.filter((m) => m.changed).length;
  if (messages.length > 0) {
    io.out(`summary by rule (messages answered before → after):`);
    for (const shift of summariseByRule(messages)) {
      const delta = shift.after - shift.before;
      const sign = delta > 0 ? `+${delta}` : delta < 0 ? `${delta}` : '±0';
      io.out(`  ${shift.rule}: ${shift.before} → ${shift.after} (${sign})`);
    }
  }
  io.out(
    `${plural(messages.length, 'message')} in ${plural(threads, 'thread')} since ${since.toISOString()} replayed: ${changed} ${changed === 1 ? 'reply' : 'replies'} would change`,
  );
  return 0;
}

/** `+14155550123 #3 "hours?": hours "We open at 7" → weekend-hours "Saturday: 8-4"` */
function describeChange(m: ReplayedMessage): string {
  const side = (s: { rule: string | null; reply: string[] }) =>
    `${s.rule ?? '(no rule)'} ${s.reply.length === 0 ? '(no reply)' : JSON.stringify(s.reply.join('\n'))}`;
  return `${m.contact} #${m.n} ${JSON.stringify(m.body)}: ${side(m.before)} → ${side(m.after)}`;
}
