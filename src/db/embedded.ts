// The embedded database: FerretDB v1 on SQLite (built by ferretdbBuild.ts), run as a child process.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import net from 'node:net';
import type { Log } from '../logger';
import { EmbeddedDatabaseError } from './ferretdbBuild';

export { EmbeddedDatabaseError, ensureFerretdb } from './ferretdbBuild';

export async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export interface EmbeddedDatabaseOptions {
  binary: string;
  /** FerretDB keeps its SQLite files and state here. */
  dir: string;
  port?: number;
  logger: Pick<Log, 'info' | 'warn'>;
}

/** A running (or stopped, restartable) FerretDB child process on a loopback port. */
export class EmbeddedDatabase {
  private child: ChildProcess | null = null;
  private output = '';

  private constructor(
    private readonly options: EmbeddedDatabaseOptions,
    readonly port: number,
  ) {}

  static async start(options: EmbeddedDatabaseOptions): Promise<EmbeddedDatabase> {
    const db = new EmbeddedDatabase(options, options.port ?? (await freeLoopbackPort()));
    await db.start();
    return db;
  }

  /** Connection string for a database of the given name. */
  uri(database = 'replybot'): string {
    return `mongodb://127.0.0.1:${this.port}/${database}`;
  }

  get running(): boolean {
    return this.child !== null;
  }

  /** The FerretDB process while it runs: its pid and command line (for the DATA_DIR's pid file). */
  get processInfo(): { pid: number; command: string[] } | null {
    const pid = this.child?.pid;
    return this.child && pid !== undefined ? { pid, command: this.child.spawnargs } : null;
  }

  async start(): Promise<void> {
    if (this.child) return;
    mkdirSync(this.options.dir, { recursive: true });
    const dir = this.options.dir;
    const child = spawn(
      this.options.binary,
      [
        '--handler=sqlite',
        // WAL with synchronous=NORMAL: a commit waits for no fsync (FULL, SQLite's default, costs
        // one per write, ~1.6x the time of an update here). Still safe when a process is killed;
        // only an OS crash or power loss may lose the last commits, acceptable for the embedded
        // database (production runs on MongoDB).
        `--sqlite-url=file:${dir}/?_pragma=synchronous(normal)`,
        `--listen-addr=127.0.0.1:${this.port}`,
        `--state-dir=${dir}`,
        // The debug listener defaults to a fixed port a second instance would find taken;
        // telemetry would try the network.
        '--debug-addr=-',
        '--telemetry=disable',
        '--log-level=error',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.child = child;
    this.output = '';
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-4000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    // Whatever ends this process (an exception, process.exit from a watchdog), the database goes
    // with it: an 'exit' listener may only do synchronous work, and kill() is synchronous.
    const killOnExit = () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    };
    process.once('exit', killOnExit);
    let exited = false;
    child.once('exit', (code, signal) => {
      exited = true;
      process.removeListener('exit', killOnExit);
      if (this.child === child) {
        this.child = null;
        this.options.logger.warn('embedded database exited', { code, signal });
      }
    });

    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (exited) {
        throw new EmbeddedDatabaseError(
          `The embedded database exited at start: ${this.output.trim().slice(-500)}`,
        );
      }
      if (await canConnect(this.port)) {
        this.options.logger.info('embedded database started', { port: this.port, dir });
        return;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    await this.stop();
    throw new EmbeddedDatabaseError(
      `The embedded database did not answer on port ${this.port} within 30 s`,
    );
  }

  /**
   * Stops the process: SIGTERM, then SIGKILL if it has not exited within `killAfterMs` (2 s by
   * default, so a graceful shutdown stays inside its 10 s).
   */
  async stop(killAfterMs = 2000): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = null;
    if (child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill('SIGTERM');
    });
  }
}
