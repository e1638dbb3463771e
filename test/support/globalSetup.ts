// Starts one embedded database for the whole test run (unless MONGODB_URI points at a real MongoDB).
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EmbeddedDatabase, ensureFerretdb } from '../../src/db/embedded';
import { portOutsideEphemeralRange } from './db';

const quiet = {
  info: (message: string) => {
    if (/building|compil/.test(message)) process.stderr.write(`[test db] ${message}\n`);
  },
  warn: () => undefined,
};

export default async function globalSetup(): Promise<void> {
  if (process.env.MONGODB_URI) {
    process.env.REPLYBOT_TEST_MONGODB_URI = process.env.MONGODB_URI;
    return;
  }
  const binary = await ensureFerretdb(quiet);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'replybot-test-db-'));
  // Every suite shares this database: if it dies (the OOM killer on a loaded machine, say), it is
  // said on stderr and started again on the same port (outside the ephemeral range, so nothing
  // else can have taken it), rather than failing every suite that comes after. Suites that stop a
  // database on purpose (db-outage.test.ts) start their own.
  let db: EmbeddedDatabase | undefined = undefined;
  const supervised = {
    info: quiet.info,
    warn: (message: string, fields?: Record<string, unknown>) => {
      if (message !== 'embedded database exited' || !db) return;
      process.stderr.write(
        `[test db] the shared database exited (${JSON.stringify(fields)}); restarting it\n`,
      );
      const restart = db;
      setTimeout(() => {
        restart.start().catch((err: Error) => {
          process.stderr.write(`[test db] restart failed: ${err.message}\n`);
        });
      }, 100);
    },
  };
  db = await EmbeddedDatabase.start({
    binary,
    dir,
    port: await portOutsideEphemeralRange(),
    logger: supervised,
  });
  (globalThis as { __replybotTestDb?: { db: EmbeddedDatabase; dir: string } }).__replybotTestDb = {
    db,
    dir,
  };
  process.env.REPLYBOT_TEST_MONGODB_URI = db.uri('replybot_test');
}
