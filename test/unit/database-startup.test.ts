// What an operator sees when the database cannot be had: the retry log lines, and the one-line
// advice when there is neither MONGODB_URI nor Go to build the embedded database.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { connectDatabase } from '../../src/db/connection';
import { EmbeddedDatabaseError, ensureFerretdb, freeLoopbackPort } from '../../src/db/embedded';
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
