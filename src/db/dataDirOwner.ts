// One server per DATA_DIR: the pid file that keeps a second server off the folder, and stopping a
// database process that a crashed server left running on it.
import {
  linkSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { Log } from '../logger';

export const PID_FILE = 'replybot.pid';

/** How long a leftover database gets to stop after SIGTERM, and again after SIGKILL. */
const STOP_WAIT_MS = 5000;
/** How long to keep trying while other servers are taking over the same stale pid file. */
const TAKE_WAIT_MS = 5000;
/** A takeover claim this old was left by a server that crashed in the middle of taking over. */
const ABANDONED_CLAIM_MS = 10_000;

const commandLine = z.array(z.string());
const ownerRecordSchema = z.object({
  pid: z.number().int().positive(),
  /** Boot id and kernel start time of the process (Linux), so a reused pid is not mistaken for it. */
  processStart: z.string().nullable(),
  /** The process's command line as the kernel reports it (Linux). */
  command: commandLine.nullable(),
  startedAt: z.string(),
  /** The embedded database once started; null with MONGODB_URI. */
  database: z.object({ pid: z.number().int().positive(), command: commandLine }).nullable(),
});

/** What the pid file says: the server that holds the folder and its database process. */
export type OwnerRecord = z.infer<typeof ownerRecordSchema>;

export class DataDirInUseError extends Error {
  readonly code = 'data_dir_in_use';
  constructor(
    message: string,
    readonly holderPid: number,
  ) {
    super(message);
    this.name = 'DataDirInUseError';
  }
}

/** The pid file's record, or null when the text is not one (empty, cut off, another format). */
export function parseOwnerRecord(text: string): OwnerRecord | null {
  try {
    const parsed = ownerRecordSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export interface ProcessInfo {
  /** null where the system cannot tell (not Linux). */
  processStart: string | null;
  command: string[] | null;
}

const LINUX = process.platform === 'linux';

function readText(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** A live process (a zombie is not), or null. Elsewhere than Linux only whether the pid exists. */
export function inspectProcess(pid: number): ProcessInfo | null {
  if (!LINUX) {
    try {
      process.kill(pid, 0);
      return { processStart: null, command: null };
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'EPERM'
        ? { processStart: null, command: null }
        : null;
    }
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // After the command name in parentheses: field 3 (state) first, so field 22 (starttime) is 19th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z' || fields[0] === 'X') return null;
    const bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    if (args[args.length - 1] === '') args.pop();
    return { processStart: `${bootId}/${fields[19]}`, command: args };
  } catch {
    return null; // gone (or ended while we looked)
  }
}

/** Whether the process a record names is still the very process that wrote it. */
export function isRecordedProcess(
  record: { pid: number; processStart: string | null; command: string[] | null },
  live: ProcessInfo | null = inspectProcess(record.pid),
): boolean {
  if (!live) return false;
  if (record.processStart !== null && live.processStart !== null) {
    if (record.processStart !== live.processStart) return false;
  }
  if (record.command !== null && live.command !== null) {
    if (record.command.join('\0') !== live.command.join('\0')) return false;
  }
  return true;
}

/** Whether a command line is FerretDB keeping its files in `databaseDir`. */
export function isDatabaseOf(command: readonly string[], databaseDir: string): boolean {
  if (command.length === 0 || !path.basename(command[0]).startsWith('ferretdb')) return false;
  const dir = path.resolve(databaseDir);
  return command.slice(1).some((arg) => {
    const m = /^--state-dir=(.+)$/.exec(arg) ?? /^--sqlite-url=file:([^?]+)/.exec(arg);
    return m !== null && path.resolve(m[1]) === dir;
  });
}

/** FerretDB processes on `databaseDir`, found by their command lines (Linux; elsewhere none). */
export function findDatabaseProcesses(databaseDir: string): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((entry) => /^\d+$/.test(entry));
  } catch {
    return [];
  }
  return entries.map(Number).filter((pid) => {
    const command = inspectProcess(pid)?.command;
    return command ? isDatabaseOf(command, databaseDir) : false;
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Checks every 50 ms until `check` is true; false if it is not within `ms`. */
async function waitUntil(check: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (check()) return true;
    if (Date.now() > deadline) return false;
    await sleep(50);
  }
}

/** Signals a database process; false once it is no longer the database of `databaseDir`. */
function signalDatabase(pid: number, databaseDir: string, signal: NodeJS.Signals): boolean {
  const command = inspectProcess(pid)?.command;
  if (!command || !isDatabaseOf(command, databaseDir)) return false;
  try {
    process.kill(pid, signal);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw err;
  }
}

async function stopDatabase(pid: number, databaseDir: string, dataDir: string): Promise<void> {
  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    try {
      if (!signalDatabase(pid, databaseDir, signal)) return;
    } catch (err) {
      throw new DataDirInUseError(
        `DATA_DIR ${dataDir} is in use by a database process (pid ${pid}) that could not be stopped (${(err as Error).message}); stop it or set DATA_DIR to another folder`,
        pid,
      );
    }
    if (await waitUntil(() => !inspectProcess(pid), STOP_WAIT_MS)) return;
  }
  throw new DataDirInUseError(
    `DATA_DIR ${dataDir} is in use by a database process (pid ${pid}) that did not stop on SIGKILL; stop it or set DATA_DIR to another folder`,
    pid,
  );
}

/**
 * Removes the pid file if it still holds `stale`. A hard link to a fixed claim name (which fails if
 * it exists) lets one server at a time take over, so no server removes a file another server has
 * just written in place of the stale one.
 */
function removeStale(file: string, stale: string): void {
  const claim = `${file}.takeover`;
  try {
    linkSync(file, claim);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return; // gone already: try again
    if (code !== 'EEXIST') throw err;
    // Someone else is taking over. Linking set the claim's ctime: an old one was abandoned.
    const age = Date.now() - (statSync(claim, { throwIfNoEntry: false })?.ctimeMs ?? Date.now());
    if (age > ABANDONED_CLAIM_MS) rmSync(claim, { force: true });
    return;
  }
  try {
    if (readText(claim) === stale) rmSync(file, { force: true });
  } finally {
    rmSync(claim, { force: true });
  }
}

/** The pid file of one DATA_DIR, held by this process from acquire() to release(). */
export class DataDirOwner {
  private written: string;
  private released = false;

  private constructor(
    private readonly file: string,
    private readonly record: OwnerRecord,
  ) {
    this.written = DataDirOwner.serialise(record);
  }

  /**
   * Takes `dataDir` for this process, or throws DataDirInUseError naming the server that holds it.
   * Then stops any database process left on `databaseDir` by an earlier server.
   */
  static async acquire(options: {
    dataDir: string;
    databaseDir: string;
    logger: Pick<Log, 'info' | 'warn'>;
  }): Promise<DataDirOwner> {
    const { dataDir, databaseDir, logger } = options;
    mkdirSync(dataDir, { recursive: true });
    const self = inspectProcess(process.pid);
    const owner = new DataDirOwner(path.join(dataDir, PID_FILE), {
      pid: process.pid,
      processStart: self?.processStart ?? null,
      command: self?.command ?? null,
      startedAt: new Date().toISOString(),
      database: null,
    });
    await owner.take(dataDir);
    try {
      for (const pid of findDatabaseProcesses(databaseDir)) {
        logger.warn('stopping a database process left by an earlier server', { pid, databaseDir });
        await stopDatabase(pid, databaseDir, dataDir);
      }
    } catch (err) {
      owner.release();
      throw err;
    }
    return owner;
  }

  private static serialise(record: OwnerRecord): string {
    return `${JSON.stringify(record, null, 2)}\n`;
  }

  /** Creates the pid file complete or not at all: written aside, then hard-linked into place. */
  private async take(dataDir: string): Promise<void> {
    const mine = `${this.file}.${process.pid}.new`;
    writeFileSync(mine, this.written);
    try {
      const deadline = Date.now() + TAKE_WAIT_MS;
      while (Date.now() < deadline) {
        try {
          linkSync(mine, this.file);
          return;
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        }
        const found = readText(this.file);
        if (found === null) continue; // removed meanwhile: link again
        const holder = parseOwnerRecord(found);
        if (holder && isRecordedProcess(holder)) {
          throw new DataDirInUseError(
            `DATA_DIR ${dataDir} is in use by another ReplyBot server (pid ${holder.pid}); stop it or set DATA_DIR to another folder`,
            holder.pid,
          );
        }
        removeStale(this.file, found);
        await sleep(10);
      }
      throw new Error(`Could not take ${this.file}: other servers kept replacing it`);
    } finally {
      rmSync(mine, { force: true });
    }
  }

  /** Notes the embedded database's process in the pid file, for whoever finds it left behind. */
  recordDatabase(database: { pid: number; command: string[] }): void {
    if (this.released || readText(this.file) !== this.written) return;
    const next = DataDirOwner.serialise({ ...this.record, database });
    const aside = `${this.file}.${process.pid}.new`;
    writeFileSync(aside, next);
    renameSync(aside, this.file);
    this.written = next;
  }

  /** Removes the pid file, if it is still the one this process wrote. */
  release(): void {
    if (this.released) return;
    this.released = true;
    if (readText(this.file) === this.written) rmSync(this.file, { force: true });
  }
}
