// A durable, append-only file of inbound messages answered while the database was unreachable.
import {
  closeSync,
  existsSync,
  fstatSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import type { InboundMessage } from './inbound';

export interface JournalEntry {
  message: InboundMessage;
  receivedAt: string;
  /** The TwiML we answered with, so a Twilio retry during the outage gets the same answer. */
  twiml: string;
}

/**
 * One JSON line per message, fsynced before the webhook answers: once Twilio has our reply, the
 * message survives a crash. Replayed in order when the database is back, then emptied.
 */
export class InboundJournal {
  private fd: number | null = null;

  constructor(private readonly file: string) {
    mkdirSync(path.dirname(file), { recursive: true });
  }

  static inDataDir(dataDir: string): InboundJournal {
    return new InboundJournal(path.join(dataDir, 'journal', 'inbound.ndjson'));
  }

  append(entry: JournalEntry): void {
    this.fd ??= this.openForAppend();
    writeSync(this.fd, `${JSON.stringify(entry)}\n`);
    fsyncSync(this.fd);
  }

  /** A torn line left by a crash is ended first, so it cannot swallow the next entry. */
  private openForAppend(): number {
    const fd = openSync(this.file, 'a+');
    const { size } = fstatSync(fd);
    if (size > 0) {
      const last = Buffer.alloc(1);
      readSync(fd, last, 0, 1, size - 1);
      if (last[0] !== 0x0a) writeSync(fd, '\n');
    }
    return fd;
  }

  /** Everything journalled, oldest first. A torn last line (a crash mid-write) is skipped. */
  read(): JournalEntry[] {
    if (!existsSync(this.file)) return [];
    const entries: JournalEntry[] = [];
    for (const line of readFileSync(this.file, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      try {
        entries.push(JSON.parse(line) as JournalEntry);
      } catch {
        // Only the last line can be torn: fsync ran after every whole line before it.
      }
    }
    return entries;
  }

  /** Drops the first `count` entries (those replayed), keeping any appended meanwhile. */
  drop(count: number): void {
    const rest = this.read().slice(count);
    this.close();
    const temporary = `${this.file}.tmp`;
    const fd = openSync(temporary, 'w');
    for (const entry of rest) writeSync(fd, `${JSON.stringify(entry)}\n`);
    fsyncSync(fd);
    closeSync(fd);
    renameSync(temporary, this.file);
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}
