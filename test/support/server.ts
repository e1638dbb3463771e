// Starts a whole ReplyBot instance in-process on a random port, with its own fresh database.
import path from 'node:path';
import mongoose from 'mongoose';
import type { Clock } from '../../src/clock';
import { createSilentLogger, type Logger } from '../../src/logger';
import { startServer, type ServerHandle, type StartOptions } from '../../src/server';
import { testConfig } from './config';
import { freshDatabaseUri } from './db';
import type { FakeTwilio } from './fakeTwilio';
import { OUR_NUMBER, PUBLIC_URL } from './twilioRequests';

/** The small bot of test/fixtures/bot (rules and templates). */
export const FIXTURE_BOT = path.resolve(__dirname, '../fixtures/bot');

/** The fixture bot on our number, its webhooks signed and its sends going to `fake`. */
export function fixtureBotEnv(fake: FakeTwilio): Record<string, string> {
  return {
    RULES_DIR: path.join(FIXTURE_BOT, 'rules'),
    TEMPLATES_DIR: path.join(FIXTURE_BOT, 'templates'),
    PUBLIC_URL,
    TWILIO_ACCOUNT_SID: fake.accountSid,
    TWILIO_AUTH_TOKEN: fake.authToken,
    TWILIO_API_URL: fake.url,
    TWILIO_FROM: OUR_NUMBER,
  };
}

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
