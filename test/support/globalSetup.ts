// Starts one embedded database for the whole test run (unless MONGODB_URI points at a real MongoDB).
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EmbeddedDatabase, ensureFerretdb } from '../../src/db/embedded';

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
  const db = await EmbeddedDatabase.start({ binary, dir, logger: quiet });
  (globalThis as { __replybotTestDb?: { db: EmbeddedDatabase; dir: string } }).__replybotTestDb = {
    db,
    dir,
  };
  process.env.REPLYBOT_TEST_MONGODB_URI = db.uri('replybot_test');
}
