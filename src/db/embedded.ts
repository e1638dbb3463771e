// The embedded database: FerretDB v1 on SQLite, built with Go on first use and run as a child process.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  renameSync,
  rmSync,
  writeFileSync,
  chmodSync,
} from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export const FERRETDB_MODULE = 'github.com/FerretDB/FerretDB';
export const FERRETDB_VERSION = 'v1.24.2';

export class EmbeddedDatabaseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EmbeddedDatabaseError';
  }
}

interface ProgressLogger {
  info(message: string, meta?: object): void;
  warn(message: string, meta?: object): void;
}

/** The folder of this package (where package.json is), found from this file upwards. */
export function packageRoot(start = __dirname): string {
  let dir = start;
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
  return dir;
}

/** Where the FerretDB binary lives: a git-ignored folder of the project, one file per version. */
export function ferretdbBinaryPath(root = packageRoot()): string {
  return path.join(root, '.tools', `ferretdb-${FERRETDB_VERSION}`);
}

async function goAvailable(env: NodeJS.ProcessEnv): Promise<boolean> {
  try {
    await execFileAsync('go', ['version'], { env });
    return true;
  } catch {
    return false;
  }
}

/**
 * Builds FerretDB once and returns its path; later calls reuse the binary.
 *
 * Why not plain `go install …@v1.24.2`: the module as published lacks the generated
 * `build/version/version.txt`, and a binary built from it panics at start ("Invalid
 * build/version/version.txt file content"). So we fetch the same module through the Go module
 * proxy (`go mod download`), copy it to a scratch folder, write the version file that FerretDB's
 * own release build generates, and `go build` its `cmd/ferretdb`.
 */
export async function ensureFerretdb(
  logger: ProgressLogger,
  binary = ferretdbBinaryPath(),
  /** The environment Go runs in (its PATH finds `go`); tests pass one without Go. */
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  if (existsSync(binary)) return binary;
  if (!(await goAvailable(env))) {
    throw new EmbeddedDatabaseError(
      'No MONGODB_URI is set and Go is not installed: set MONGODB_URI=mongodb://host:27017/replybot, or install Go (https://go.dev/dl/) so ReplyBot can build its embedded database.',
    );
  }
  logger.info(
    `building the embedded database (FerretDB ${FERRETDB_VERSION}) with Go; first start only, about a minute`,
  );
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'replybot-ferretdb-'));
  try {
    const { stdout } = await execFileAsync(
      'go',
      ['mod', 'download', '-json', `${FERRETDB_MODULE}@${FERRETDB_VERSION}`],
      {
        cwd: scratch,
        env,
        maxBuffer: 1 << 20,
      },
    );
    const moduleDir = (JSON.parse(stdout) as { Dir?: string }).Dir;
    if (!moduleDir)
      throw new EmbeddedDatabaseError('go mod download did not report a module folder');
    logger.info('embedded database: module downloaded, compiling');
    const source = path.join(scratch, 'src');
    cpSync(moduleDir, source, { recursive: true });
    chmodSync(path.join(source, 'build', 'version'), 0o755);
    writeFileSync(path.join(source, 'build', 'version', 'version.txt'), `${FERRETDB_VERSION}\n`);
    mkdirSync(path.dirname(binary), { recursive: true });
    const partial = `${binary}.${process.pid}.partial`;
    await execFileAsync('go', ['build', '-trimpath', '-o', partial, './cmd/ferretdb'], {
      cwd: source,
      maxBuffer: 16 << 20,
      env: { ...env, CGO_ENABLED: env.CGO_ENABLED ?? '0' },
    });
    renameSync(partial, binary); // atomic: a concurrent start sees either no binary or a whole one
    logger.info('embedded database built', { binary });
    return binary;
  } catch (err) {
    if (err instanceof EmbeddedDatabaseError) throw err;
    const detail = (err as { stderr?: string }).stderr?.trim().split('\n').slice(-3).join(' | ');
    throw new EmbeddedDatabaseError(
      `Could not build the embedded database with Go (${detail ?? (err as Error).message}). Set MONGODB_URI to use a MongoDB server instead.`,
    );
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

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
  logger: ProgressLogger;
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

  async start(): Promise<void> {
    if (this.child) return;
    mkdirSync(this.options.dir, { recursive: true });
    const dir = this.options.dir;
    const child = spawn(
      this.options.binary,
      [
        '--handler=sqlite',
        `--sqlite-url=file:${dir}/`,
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
