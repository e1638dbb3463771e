// Builds a real Config the way the server does, from an environment-shaped object.
import os from 'node:os';
import path from 'node:path';
import { loadConfig, type Config } from '../../src/config';

export const TEST_ADMIN = { name: 'ops', password: 'correct-horse-battery' };

export function testConfig(env: Record<string, string | undefined> = {}): Config {
  return loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    LOG_LEVEL: 'error',
    ADMIN_USERS: `${TEST_ADMIN.name}:${TEST_ADMIN.password}`,
    DATA_DIR: path.join(os.tmpdir(), 'replybot-test-data'),
    RULES_DIR: path.resolve(__dirname, '../../rules'),
    TEMPLATES_DIR: path.resolve(__dirname, '../../templates'),
    WATCH_RULES: 'false',
    SCHEDULER: 'off',
    ...env,
  });
}
