// What every benchmark needs: a database (the embedded one unless MONGODB_URI is set) and child servers.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { EmbeddedDatabase, ensureFerretdb, freeLoopbackPort } from '../../src/db/embedded';

export const ROOT = path.resolve(__dirname, '../..');
const quiet = { info: () => undefined, warn: () => undefined };

export interface BenchDatabase {
  uri(name: string): string;
  stop(): Promise<void>;
  label: string;
}

export async function benchDatabase(): Promise<BenchDatabase> {
  if (process.env.MONGODB_URI) {
    const base = new URL(process.env.MONGODB_URI);
    return {
      uri: (name) => Object.assign(new URL(base.toString()), { pathname: `/${name}` }).toString(),
      stop: async () => undefined,
      label: 'MongoDB (MONGODB_URI)',
    };
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'replybot-bench-db-'));
  const db = await EmbeddedDatabase.start({
    binary: await ensureFerretdb(quiet),
    dir,
    logger: quiet,
  });
  return {
    uri: (name) => db.uri(name),
    stop: async () => {
      await db.stop();
      rmSync(dir, { recursive: true, force: true });
    },
    label: 'embedded FerretDB v1.24.2 (SQLite)',
  };
}

export interface ChildServer {
  port: number;
  pid: number;
  child: ChildProcess;
  /** Resident memory of the server process, in MB (Linux /proc). */
  rssMb(): number;
  stop(): Promise<void>;
}

function accepting(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Runs an entry point (TypeScript through tsx, JavaScript as it is) on a free port (given as PORT) and waits until it
 * accepts connections; a script that ignores PORT may print `{"message":"listening","port":N}`.
 */
export async function startChild(
  script: string,
  env: Record<string, string>,
  nodeArgs: string[] = [],
): Promise<ChildServer> {
  const chosen = await freeLoopbackPort();
  env = { PORT: String(chosen), ...env };
  // `node --import tsx` (not the tsx CLI, which runs a second process): the pid measured and
  // profiled is the server itself.
  // Compiled JavaScript runs as in production, with plain node; TypeScript through tsx.
  const loader = script.endsWith('.ts') ? ['--import', 'tsx'] : [];
  const child = spawn(process.execPath, [...nodeArgs, ...loader, script], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_FORMAT: 'json', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let exited = false;
  child.once('exit', () => (exited = true));
  let announced: number | null = null;
  let buffered = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    if (announced !== null) return;
    buffered = (buffered + chunk.toString()).slice(-10_000);
    const m = /"message":"listening".*?"port":(\d+)/.exec(buffered);
    if (m) announced = Number(m[1]);
  });
  const deadline = Date.now() + 120_000;
  let port = chosen;
  for (;;) {
    if (exited) throw new Error(`${script} exited before listening`);
    if (announced !== null) port = announced;
    if (await accepting(port)) break;
    if (Date.now() > deadline) throw new Error(`${script} did not listen within 120 s`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    port,
    pid: child.pid!,
    child,
    rssMb: () => {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
    },
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
