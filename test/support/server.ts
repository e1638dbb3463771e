// Starts a whole ReplyBot instance in-process on a random port, with its own fresh database.
import mongoose from 'mongoose';
import type { Clock } from '../../src/clock';
import { createSilentLogger, type Logger } from '../../src/logger';
import { startServer, type ServerHandle, type StartOptions } from '../../src/server';
import { testConfig } from './config';
import { freshDatabaseUri } from './db';

export interface TestServer extends ServerHandle {
  /** Stops the server and drops its database. */
  stop(): Promise<void>;
}

export async function startTestServer(
  env: Record<string, string | undefined> = {},
  options: {
    logger?: Logger;
    clock?: Clock;
    label?: string;
    scheduler?: StartOptions['scheduler'];
  } = {},
): Promise<TestServer> {
  const uri = env.MONGODB_URI ?? freshDatabaseUri(options.label);
  const config = testConfig({ ...env, MONGODB_URI: uri });
  const handle = await startServer(config, options.logger ?? createSilentLogger(), {
    clock: options.clock,
    shutdownGraceMs: 1000,
    scheduler: options.scheduler,
  });
  return {
    ...handle,
    async stop() {
      await handle.close();
      const conn = await mongoose.createConnection(uri).asPromise();
      await conn.dropDatabase().catch(() => undefined);
      await conn.close();
    },
  };
}
