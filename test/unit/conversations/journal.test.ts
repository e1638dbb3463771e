// The outage journal on disk: what a restart finds in it, a crash's torn line, and dropping what
// was replayed while new messages keep arriving.
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InboundJournal, type JournalEntry } from '../../../src/conversations/journal';

const entry = (n: number): JournalEntry => ({
  message: {
    messageSid: `SM${String(n).padStart(32, '0')}`,
    from: '+14155550101',
    to: '+14155550100',
    body: `message ${n}`,
    media: [],
  },
  receivedAt: new Date(Date.UTC(2026, 2, 4, 12, 0, n)).toISOString(),
  twiml: '<?xml version="1.0" encoding="UTF-8"?><Response/>',
});
const bodies = (entries: JournalEntry[]) => entries.map((e) => e.message.body);

describe('InboundJournal', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'replybot-journal-'));
    file = path.join(dir, 'journal', 'inbound.ndjson');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('gives a later process every entry, in the order they were appended', () => {
    const first = new InboundJournal(file);
    for (const n of [1, 2, 3]) first.append(entry(n));
    first.close();
    expect(new InboundJournal(file).read()).toEqual([entry(1), entry(2), entry(3)]);
  });

  it('skips a line torn by a crash, and the next run appends after it without losing a message', () => {
    const crashed = new InboundJournal(file);
    crashed.append(entry(1));
    crashed.close();
    appendFileSync(file, JSON.stringify(entry(2)).slice(0, 40)); // the crash, mid-write

    const next = new InboundJournal(file);
    expect(bodies(next.read())).toEqual(['message 1']);
    next.append(entry(3));
    expect(bodies(next.read())).toEqual(['message 1', 'message 3']);
    expect(readFileSync(file, 'utf8').endsWith('\n')).toBe(true);
  });

  it('drops the replayed entries and keeps those appended during the replay', () => {
    const journal = new InboundJournal(file);
    for (const n of [1, 2, 3]) journal.append(entry(n));
    const replayed = journal.read();
    journal.append(entry(4)); // answered offline while the first three were replayed
    journal.drop(replayed.length);
    expect(bodies(journal.read())).toEqual(['message 4']);
    journal.append(entry(5));
    expect(bodies(new InboundJournal(file).read())).toEqual(['message 4', 'message 5']);
  });

  it('reads an absent journal as empty', () => {
    expect(new InboundJournal(file).read()).toEqual([]);
  });
});
