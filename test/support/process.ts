// Runs the real server as a child process (through tsx, straight from the TypeScript sources).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '../..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');

export interface ServerProcess {
  child: ChildProcess;
  /** The child's working folder, also its DATA_DIR unless the test gave one. */
  dir: string;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves with the port once the server logs that it listens. */
  listening: Promise<number>;
}

/**
 * Starts `src/main.ts` in a fresh temporary folder: a developer's `.env` (read from the working
 * folder) cannot leak in, and nothing (journal, embedded database) is written into the repository.
 * Rules and templates default to the repository's examples, by absolute path.
 */
export function spawnServer(env: Record<string, string>, script = 'src/main.ts'): ServerProcess {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'replybot-proc-'));
  const child = spawn(TSX, [path.join(ROOT, script)], {
    cwd: dir,
    // Only what the test gives: nothing from the developer's own environment or .env leaks in.
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      LOG_FORMAT: 'json',
      DATA_DIR: dir,
      RULES_DIR: path.join(ROOT, 'rules'),
      TEMPLATES_DIR: path.join(ROOT, 'templates'),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let onLine: ((line: string) => void) | null = null;
  const feed = (chunk: Buffer) => {
    output += chunk.toString();
    for (const line of chunk.toString().split('\n')) onLine?.(line);
  };
  child.stdout?.on('data', feed);
  child.stderr?.on('data', feed);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      rmSync(dir, { recursive: true, force: true });
      resolve({ code, signal });
    }),
  );
  const listening = new Promise<number>((resolve, reject) => {
    onLine = (line) => {
      const m = /"message":"listening".*"port":(\d+)/.exec(line);
      if (m) resolve(Number(m[1]));
    };
    void exited.then(() => reject(new Error(`server exited before listening:\n${output}`)));
  });
  listening.catch(() => undefined);
  return { child, dir, output: () => output, exited, listening };
}

/** The port the embedded database reported in the server's log, if it started one. */
export function embeddedDatabasePort(output: string): number | null {
  const m = /"message":"embedded database started".*"port":(\d+)/.exec(output);
  return m ? Number(m[1]) : null;
}

/** Processes whose command line mentions `text` (e.g. a FerretDB child started in a DATA_DIR). */
export function processesMentioning(text: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (cmdline.includes(text)) pids.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return pids;
}

/** Resolves true when something accepts a TCP connection on the loopback port. */
export function acceptsConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new net.Socket();
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.connect(port, '127.0.0.1');
  });
}

/**
 * The server's own process: tsx runs src/main.ts in a child of its own (the process that holds
 * DATA_DIR and starts FerretDB). Resolves once tsx has started it.
 */
export async function serverPid(proc: ServerProcess, ms = 20_000): Promise<number> {
  const childrenOfTsx = () =>
    readdirSync('/proc').filter((entry) => {
      if (!/^\d+$/.test(entry)) return false;
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === proc.child.pid;
      } catch {
        return false; // the process ended while we looked
      }
    });
  let found: string[] = [];
  if (!(await eventually(async () => (found = childrenOfTsx()).length === 1, ms)))
    throw new Error(`tsx (pid ${proc.child.pid}) has ${found.length} children, expected 1`);
  return Number(found[0]);
}

/** Checks every 25 ms until `check` resolves true; false if it has not within `ms`. */
export async function eventually(check: () => Promise<boolean> | boolean, ms: number) {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Kills what a test left running: each server (tsx and the server under it), with SIGKILL. */
export async function killAll(procs: ServerProcess[]): Promise<void> {
  for (const proc of procs.splice(0)) {
    if (proc.child.exitCode !== null || proc.child.signalCode !== null) continue;
    await serverPid(proc, 1000).then(
      (pid) => process.kill(pid, 'SIGKILL'),
      () => undefined,
    );
    proc.child.kill('SIGKILL');
  }
}
