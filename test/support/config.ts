// Builds a real Config the way the server does, from an environment-shaped object.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, type Config } from '../../src/config';

export const TEST_ADMIN = { name: 'ops', password: 'correct-horse-battery' };

const dataDirs: string[] = [];
process.once('exit', () => {
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

/** A fresh DATA_DIR (journal, embedded database files), removed when the test process exits. */
export function tempDataDir(label = 'data'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), `replybot-test-${label}-`));
  dataDirs.push(dir);
  return dir;
}

/** Every call gets its own DATA_DIR, so servers in one run never share a journal. */
export function testConfig(env: Record<string, string | undefined> = {}): Config {
  return loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    LOG_LEVEL: 'error',
    ADMIN_USERS: `${TEST_ADMIN.name}:${TEST_ADMIN.password}`,
    RULES_DIR: path.resolve(__dirname, '../../rules'),
    TEMPLATES_DIR: path.resolve(__dirname, '../../templates'),
    WATCH_RULES: 'false',
    SCHEDULER: 'off',
    ...env,
    DATA_DIR: env.DATA_DIR ?? tempDataDir(),
  });
}
