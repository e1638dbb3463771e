// Starts and stops one ReplyBot instance: database → services → HTTP. Used by main.ts and by tests.
import type { Server } from 'node:http';
import path from 'node:path';
import type { Connection } from 'mongoose';
import { systemClock, type Clock } from './clock';
import type { Config } from './config';
import { connectDatabase } from './db/connection';
import { EmbeddedDatabase, ensureFerretdb } from './db/embedded';
import { createApp } from './http/app';
import type { Logger } from './logger';

export interface ServerHandle {
  url: string;
  port: number;
  connection: Connection;
  /** Stop accepting, finish requests in flight, close the database; resolves when all is down. */
  close(): Promise<void>;
}

export interface StartOptions {
  clock?: Clock;
  /** Forcibly close connections still open this long after close() began. */
  shutdownGraceMs?: number;
}

export async function startServer(
  config: Config,
  logger: Logger,
  options: StartOptions = {},
): Promise<ServerHandle> {
  const clock = options.clock ?? systemClock;
  let embedded: EmbeddedDatabase | null = null;
  let uri = config.mongodbUri;
  if (!uri) {
    const binary = await ensureFerretdb(logger);
    embedded = await EmbeddedDatabase.start({
      binary,
      dir: path.join(config.dataDir, 'ferretdb'),
      logger,
    });
    uri = embedded.uri('replybot');
  }

  let connection: Connection;
  try {
    connection = await connectDatabase(uri, { logger });
  } catch (err) {
    await embedded?.stop();
    throw err;
  }

  const app = createApp({
    config,
    logger,
    connection,
    clock,
    startedAt: clock.now(),
    health: {
      rules: () => ({ loaded: false, version: null, count: 0, error: false }),
      twilioMode: () => (config.twilio.authToken ? 'twilio' : 'dry-run'),
    },
  });

  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(config.port, () => resolve(s));
    s.once('error', reject);
  });
  // Slow clients cannot hold a connection forever.
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  server.keepAliveTimeout = 5_000;
  const port = (server.address() as { port: number }).port;
  logger.info('listening', { port, database: embedded ? 'embedded' : 'mongodb' });

  let closing: Promise<void> | null = null;
  const close = () => {
    closing ??= (async () => {
      const graceMs = options.shutdownGraceMs ?? 8000;
      const drained = new Promise<void>((resolve) => server.close(() => resolve()));
      // Keep-alive connections become idle once their request is answered: close them as they do.
      const sweep = setInterval(() => server.closeIdleConnections(), 100);
      server.closeIdleConnections();
      const force = setTimeout(() => server.closeAllConnections(), graceMs);
      await drained;
      clearInterval(sweep);
      clearTimeout(force);
      await connection
        .close()
        .catch((err: Error) => logger.warn('database close failed', { error: err.message }));
      await embedded?.stop();
      logger.info('stopped');
    })();
    return closing;
  };

  return { url: `http://127.0.0.1:${port}`, port, connection, close };
}
