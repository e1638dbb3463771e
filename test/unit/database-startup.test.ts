// What an operator sees when the database cannot be had: the retry log lines, and the one-line
// advice when there is neither MONGODB_URI nor Go to build the embedded database.
import {
  appendFileSync,
  copyFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { connectDatabase } from '../../src/db/connection';
import { EmbeddedDatabaseError, ensureFerretdb, freeLoopbackPort } from '../../src/db/embedded';
import { ferretdbBinaryPath, patchesDir, readPatchSet } from '../../src/db/ferretdbBuild';
import { createLogger } from '../../src/logger';

function jsonLogger() {
  const stream = new PassThrough();
  const lines: Record<string, unknown>[] = [];
  stream.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
  });
  const logger = createLogger({ level: 'info', format: 'json', stream });
  return { logger, lines, flush: () => new Promise((r) => setImmediate(r)) };
}

describe('connecting to an unreachable database', () => {
  it('logs one clear line per failed attempt with the redacted URI, then gives up', async () => {
    const port = await freeLoopbackPort(); // nothing listens there
    const uri = `mongodb://ops:s3cret-pw@127.0.0.1:${port}/replybot`;
    const { logger, lines, flush } = jsonLogger();
    const waits: number[] = [];

    await expect(
      connectDatabase(uri, {
        logger,
        maxAttempts: 2,
        serverSelectionTimeoutMS: 200,
        sleep: async (ms) => {
          waits.push(ms);
        },
      }),
    ).rejects.toThrow(/ECONNREFUSED|Server selection timed out/);
    await flush();

    expect(waits).toEqual([1000]);
    expect(lines).toEqual([
      expect.objectContaining({
        level: 'warn',
        message: 'database unreachable, retrying',
        uri: `mongodb://ops:***@127.0.0.1:${port}/replybot`,
        attempt: 1,
        retryInMs: 1000,
        error: expect.stringMatching(/ECONNREFUSED|timed out/),
      }),
      expect.objectContaining({
        level: 'error',
        message: 'database unreachable, giving up',
        uri: `mongodb://ops:***@127.0.0.1:${port}/replybot`,
        attempts: 2,
      }),
    ]);
    expect(JSON.stringify(lines)).not.toContain('s3cret-pw');
  });
});

describe('the embedded database without Go', () => {
  it('says in one line what to do when neither MONGODB_URI nor Go is available', async () => {
    const noBinary = path.join(mkdtempSync(path.join(os.tmpdir(), 'replybot-nogo-')), 'ferretdb');
    const emptyPath = mkdtempSync(path.join(os.tmpdir(), 'replybot-empty-path-')); // no `go` here
    const progress: string[] = [];
    const logger = { info: (m: string) => progress.push(m), warn: (m: string) => progress.push(m) };

    const failure = await ensureFerretdb(logger, {
      binary: noBinary,
      env: { ...process.env, PATH: emptyPath },
    }).then(
      () => null,
      (err: unknown) => err,
    );

    expect(failure).toBeInstanceOf(EmbeddedDatabaseError);
    const message = (failure as Error).message;
    expect(message).toBe(
      'No MONGODB_URI is set and Go is not installed: set MONGODB_URI=mongodb://host:27017/replybot, or install Go (https://go.dev/dl/) so ReplyBot can build its embedded database.',
    );
    expect(message).not.toContain('\n');
    expect(progress).toEqual([]); // it did not pretend to start a build
  });
});

describe('the embedded database patch set', () => {
  const logger = { info: () => undefined, warn: () => undefined };

  it('names the binary by a hash of the patches, so a changed patch rebuilds it', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'replybot-patches-'));
    for (const file of readdirSync(patchesDir()))
      copyFileSync(path.join(patchesDir(), file), path.join(dir, file));
    const before = ferretdbBinaryPath(readPatchSet(dir));
    expect(before).toBe(ferretdbBinaryPath(readPatchSet(patchesDir())));

    appendFileSync(path.join(dir, readdirSync(dir)[0]!), '\n');
    const after = ferretdbBinaryPath(readPatchSet(dir));

    expect(after).not.toBe(before);
    expect(path.basename(after)).toMatch(/^ferretdb-v1\.24\.2-[0-9a-f]{12}$/);
    expect(path.basename(ferretdbBinaryPath(readPatchSet(null)))).toBe('ferretdb-v1.24.2-stock');
  });

  it('stops the build with the name of a patch that no longer applies', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'replybot-bad-patch-'));
    writeFileSync(
      path.join(dir, '0001-stale.patch'),
      [
        'A patch written against other code.',
        '',
        'diff --git a/internal/backends/sqlite/query.go b/internal/backends/sqlite/query.go',
        '--- a/internal/backends/sqlite/query.go',
        '+++ b/internal/backends/sqlite/query.go',
        '@@ -1,3 +1,3 @@',
        '-// this line is not in FerretDB',
        '+// neither is this one',
        ' // nor this',
        ' // nor that',
        '',
      ].join('\n'),
    );
    const binary = path.join(dir, 'ferretdb');

    const failure = await ensureFerretdb(logger, { patches: dir, binary }).then(
      () => null,
      (err: unknown) => err as Error,
    );

    expect(failure).toBeInstanceOf(EmbeddedDatabaseError);
    expect(failure!.message).toMatch(
      /^The patch 0001-stale\.patch no longer applies to FerretDB v1\.24\.2: .*query\.go/,
    );
    expect(existsSync(binary)).toBe(false);
  }, 120_000);
});
