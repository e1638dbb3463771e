// What every benchmark needs: a database (the embedded one unless MONGODB_URI is set), child
// servers, and the CPU time a process has used.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import mongoose from 'mongoose';
import { EmbeddedDatabase, ensureFerretdb, freeLoopbackPort } from '../../src/db/embedded';

export const ROOT = path.resolve(__dirname, '../..');
const quiet = { info: () => undefined, warn: () => undefined };

export interface BenchDatabase {
  uri(name: string): string;
  stop(): Promise<void>;
  label: string;
  /** The database's process, when it runs on this machine (for its CPU time); else null. */
  pid: number | null;
}

/** FerretDB v1.24.2 as released, or with our patch set (src/db/ferretdb-patches), as the app runs it. */
export type FerretdbBuild = 'stock' | 'patched';

/** One FerretDB process of the given build, on a temporary folder of its own. */
export async function startFerretdb(build: FerretdbBuild): Promise<BenchDatabase> {
  const binary = await ensureFerretdb(quiet, build === 'stock' ? { patches: null } : {});
  const dir = mkdtempSync(path.join(os.tmpdir(), `replybot-bench-db-${build}-`));
  const db = await EmbeddedDatabase.start({ binary, dir, logger: quiet });
  return {
    uri: (name) => db.uri(name),
    stop: async () => {
      await db.stop();
      rmSync(dir, { recursive: true, force: true });
    },
    label: `FerretDB v1.24.2 ${build} (${path.basename(binary)}, SQLite)`,
    pid: pidWithArgument(dir),
  };
}

/** The database the app's benchmarks run on: MONGODB_URI if set, else the patched embedded FerretDB. */
export async function benchDatabase(): Promise<BenchDatabase> {
  if (process.env.MONGODB_URI) {
    const base = new URL(process.env.MONGODB_URI);
    return {
      uri: (name) => Object.assign(new URL(base.toString()), { pathname: `/${name}` }).toString(),
      stop: async () => undefined,
      label: 'MongoDB (MONGODB_URI)',
      pid: null,
    };
  }
  return startFerretdb('patched');
}

/** The process whose command line contains `fragment` (Linux /proc), or null. */
function pidWithArgument(fragment: string): number | null {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(fragment)) return Number(entry);
    } catch {
      // the process ended meanwhile
    }
  }
  return null;
}

/** CPU time (user + system) a process has used so far, in seconds (Linux /proc). */
export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  // utime and stime, in clock ticks (100 per second on Linux).
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

export interface ChildServer {
  port: number;
  pid: number;
  /** Date.now() when the process was spawned. */
  startedAt: number;
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
 * Each child gets a temporary DATA_DIR of its own (the outage journal), removed when it stops.
 */
export async function startChild(
  script: string,
  env: Record<string, string>,
  nodeArgs: string[] = [],
): Promise<ChildServer> {
  const chosen = await freeLoopbackPort();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'replybot-bench-data-'));
  env = { PORT: String(chosen), DATA_DIR: dataDir, ...env };
  // `node --import tsx` (not the tsx CLI, which runs a second process): the pid measured and
  // profiled is the server itself.
  // Compiled JavaScript runs as in production, with plain node; TypeScript through tsx.
  const loader = script.endsWith('.ts') ? ['--import', 'tsx'] : [];
  const startedAt = Date.now();
  const child = spawn(process.execPath, [...nodeArgs, ...loader, script], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_FORMAT: 'json', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let exited = false;
  child.once('exit', () => {
    exited = true;
    rmSync(dataDir, { recursive: true, force: true });
  });
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
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${script} did not listen within 120 s`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    port,
    pid: child.pid!,
    startedAt,
    child,
    rssMb: () => {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
    },
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/**
 * Commands the database has answered so far, by name (FerretDB's serverStatus `metrics.commands`,
 * counted over all its databases); null where the server does not report them.
 */
export async function commandCounts(uri: string): Promise<Record<string, number> | null> {
  const client = await new mongoose.mongo.MongoClient(uri).connect();
  try {
    const status = await client.db().admin().command({ serverStatus: 1 });
    const commands = status.metrics?.commands as Record<string, { total?: number }> | undefined;
    if (!commands) return null;
    return Object.fromEntries(Object.entries(commands).map(([name, c]) => [name, c.total ?? 0]));
  } finally {
    await client.close();
  }
}

/** Commands answered between two counts, per `per` (a request, a send), busiest first. */
export function commandsPer(
  before: Record<string, number> | null,
  after: Record<string, number> | null,
  per: number,
): string {
  if (!before || !after) return 'not reported by this database';
  const IGNORED = new Set(['serverStatus', 'hello', 'isMaster', 'unknown']);
  return Object.entries(after)
    .filter(([name]) => !IGNORED.has(name))
    .map(([name, total]): [string, number] => [name, (total - (before[name] ?? 0)) / per])
    .filter(([, n]) => n >= 0.005)
    .sort((a, b) => b[1] - a[1])
    .map(([name, n]) => `${name} ${n.toFixed(2)}`)
    .join(', ');
}
