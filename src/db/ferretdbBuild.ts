// Builds the embedded database: FerretDB v1.24.2 from its Go module, with our patch set applied.
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { packageRoot } from '../packageRoot';
import type { Log } from '../logger';

const execFileAsync = promisify(execFile);

export const FERRETDB_MODULE = 'github.com/FerretDB/FerretDB';
export const FERRETDB_VERSION = 'v1.24.2';
/** The module's checksum as recorded in the Go checksum database; a different download is refused. */
export const FERRETDB_MODULE_SUM = 'h1:trrUU0LbmusMbyubhPS1IELncvrIwKrsRT2LW1UUWCw=';

export class EmbeddedDatabaseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EmbeddedDatabaseError';
  }
}

/** Our patches to FerretDB, one file each, applied in name order (see the folder's files). */
export function patchesDir(root = packageRoot()): string {
  return path.join(root, 'src', 'db', 'ferretdb-patches');
}

export interface PatchSet {
  /** The patch files, in the order they are applied. */
  files: string[];
  /** 12 hex digits of SHA-256 over the names and contents: part of the binary's name. */
  hash: string;
}

export function readPatchSet(dir: string | null): PatchSet {
  if (dir === null) return { files: [], hash: 'stock' };
  const files = readdirSync(dir)
    .filter((name) => name.endsWith('.patch'))
    .sort()
    .map((name) => path.join(dir, name));
  const sha = createHash('sha256');
  for (const file of files) sha.update(path.basename(file)).update('\0').update(readFileSync(file));
  return { files, hash: sha.digest('hex').slice(0, 12) };
}

/** Where a build lives: a git-ignored folder of the project, one file per version and patch set. */
export function ferretdbBinaryPath(patchSet: PatchSet, root = packageRoot()): string {
  return path.join(root, '.tools', `ferretdb-${FERRETDB_VERSION}-${patchSet.hash}`);
}

export interface BuildOptions {
  /** The patch folder; `null` builds FerretDB as released (the benchmarks' baseline). */
  patches?: string | null;
  /** Where the binary goes; default `.tools/ferretdb-<version>-<patch-set hash>`. */
  binary?: string;
  /** The environment Go runs in (its PATH finds `go`); tests pass one without Go. */
  env?: NodeJS.ProcessEnv;
}

/**
 * Builds the embedded database once and returns its path; later calls reuse the binary. A changed
 * patch set has another hash, so it gets its own build.
 *
 * Why not plain `go install …@v1.24.2`: the module as published lacks the generated
 * `build/version/version.txt` (a binary built from it panics at start), and our patches must be
 * applied to the source. So the module is fetched through the Go module proxy (`go mod download`,
 * which checks it against the checksum database; we also compare the sum), copied to a scratch
 * folder, patched with `git apply`, given its version file, and built with `go build`.
 */
export async function ensureFerretdb(
  logger: Pick<Log, 'info' | 'warn'>,
  options: BuildOptions = {},
): Promise<string> {
  const patchSet = readPatchSet(options.patches === undefined ? patchesDir() : options.patches);
  const binary = options.binary ?? ferretdbBinaryPath(patchSet);
  const env = options.env ?? process.env;
  if (existsSync(binary)) return binary;
  if (!(await commandAvailable('go', ['version'], env))) {
    throw new EmbeddedDatabaseError(
      'No MONGODB_URI is set and Go is not installed: set MONGODB_URI=mongodb://host:27017/replybot, or install Go (https://go.dev/dl/) so ReplyBot can build its embedded database.',
    );
  }

  const progress = new BuildProgress(logger);
  progress.stage(
    `building the embedded database (FerretDB ${FERRETDB_VERSION}, ${patchSet.files.length} patches) with Go; first start only, 2 to 3 minutes on a cold Go cache`,
  );
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'replybot-ferretdb-'));
  try {
    progress.stage('downloading the FerretDB module');
    const source = await downloadModule(scratch, env);
    progress.stage(`applying ${patchSet.files.length} patches`);
    await applyPatches(source, patchSet.files, env);

    progress.stage('listing packages');
    const { stdout: deps } = await execFileAsync('go', ['list', '-deps', './cmd/ferretdb'], {
      cwd: source,
      env,
      maxBuffer: 16 << 20,
    });
    const total = deps.split('\n').filter(Boolean).length;

    progress.stage('compiling');
    mkdirSync(path.dirname(binary), { recursive: true });
    const partial = `${binary}.${process.pid}.partial`;
    await goBuild(source, partial, env, (compiled) => progress.packages(compiled, total));
    renameSync(partial, binary); // atomic: a concurrent start sees either no binary or a whole one
    progress.stage('embedded database built', { binary });
    return binary;
  } catch (err) {
    if (err instanceof EmbeddedDatabaseError) throw err;
    const detail = (err as { stderr?: string }).stderr?.trim().split('\n').slice(-3).join(' | ');
    throw new EmbeddedDatabaseError(
      `Could not build the embedded database with Go (${detail || (err as Error).message}). Set MONGODB_URI to use a MongoDB server instead.`,
    );
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

async function commandAvailable(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<boolean> {
  try {
    await execFileAsync(command, args, { env });
    return true;
  } catch {
    return false;
  }
}

/** Downloads the module (checksum-verified), copies it to a writable folder and returns that. */
async function downloadModule(scratch: string, env: NodeJS.ProcessEnv): Promise<string> {
  const { stdout } = await execFileAsync(
    'go',
    ['mod', 'download', '-json', `${FERRETDB_MODULE}@${FERRETDB_VERSION}`],
    { cwd: scratch, env, maxBuffer: 1 << 20 },
  );
  const info = JSON.parse(stdout) as { Dir?: string; Sum?: string };
  if (!info.Dir) throw new EmbeddedDatabaseError('go mod download did not report a module folder');
  if (info.Sum !== FERRETDB_MODULE_SUM) {
    throw new EmbeddedDatabaseError(
      `The FerretDB ${FERRETDB_VERSION} module has checksum ${info.Sum}, expected ${FERRETDB_MODULE_SUM}: refusing to build it.`,
    );
  }
  const source = path.join(scratch, 'src');
  cpSync(info.Dir, source, { recursive: true });
  // The module cache is read-only; the copy must be writable to be patched.
  chmodTree(source);
  writeFileSync(path.join(source, 'build', 'version', 'version.txt'), `${FERRETDB_VERSION}\n`);
  return source;
}

function chmodTree(dir: string): void {
  chmodSync(dir, 0o755);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) chmodTree(full);
    else chmodSync(full, 0o644);
  }
}

/** Applies each patch with `git apply`; one that does not apply stops the build, named. */
async function applyPatches(
  source: string,
  files: string[],
  env: NodeJS.ProcessEnv,
): Promise<void> {
  for (const file of files) {
    try {
      await execFileAsync('git', ['apply', '--whitespace=nowarn', file], { cwd: source, env });
    } catch (err) {
      const detail = (err as { stderr?: string }).stderr?.trim() || (err as Error).message;
      throw new EmbeddedDatabaseError(
        `The patch ${path.basename(file)} no longer applies to FerretDB ${FERRETDB_VERSION}: ${detail.split('\n').slice(0, 3).join(' | ')}. Fix or remove it in ${path.dirname(file)}.`,
      );
    }
  }
}

/** `go build -v`, counting the packages it names as it compiles them. */
function goBuild(
  source: string,
  output: string,
  env: NodeJS.ProcessEnv,
  onPackage: (compiled: number) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('go', ['build', '-v', '-trimpath', '-o', output, './cmd/ferretdb'], {
      cwd: source,
      env: { ...env, CGO_ENABLED: env.CGO_ENABLED ?? '0' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let compiled = 0;
    let tail = '';
    let pending = '';
    child.stderr.on('data', (chunk: Buffer) => {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        tail = `${tail}\n${line}`.slice(-2000);
        // -v names each package as it is compiled; `go: downloading …` lines are dependencies.
        if (line && !line.startsWith('go: ') && !line.startsWith('#')) onPackage(++compiled);
      }
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0) resolve();
      else reject(Object.assign(new Error(`go build exited with ${code}`), { stderr: tail }));
    });
  });
}

/** Progress lines for a build: each stage, and while compiling at most one line every 5 s. */
class BuildProgress {
  private readonly started = Date.now();
  private lastReport = 0;

  constructor(private readonly logger: Pick<Log, 'info' | 'warn'>) {}

  private elapsed(): string {
    return `${Math.round((Date.now() - this.started) / 1000)} s`;
  }

  stage(message: string, meta: object = {}): void {
    this.logger.info(`embedded database: ${message} (${this.elapsed()})`, meta);
  }

  packages(compiled: number, total: number): void {
    const now = Date.now();
    if (now - this.lastReport < 5000) return;
    this.lastReport = now;
    this.logger.info(
      `embedded database: compiling, ${compiled}/${total} packages (${this.elapsed()})`,
    );
  }
}
