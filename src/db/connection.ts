// The mongoose connection: connect with retry, health ping, close.
import mongoose, { type Connection } from 'mongoose';
import type { Log } from '../logger';
import { retry, type RetryPolicy } from '../retry';

export interface ConnectOptions {
  logger: Pick<Log, 'info' | 'warn' | 'error'>;
  /** Give up after this many failed attempts; default: keep trying. */
  maxAttempts?: number;
  /** How long one attempt waits for a server. */
  serverSelectionTimeoutMS?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** Hides the password of a connection string for logging. */
export function redactUri(uri: string): string {
  return uri.replace(/\/\/([^:/@]+):([^@]*)@/, '//$1:***@');
}

/**
 * Opens a dedicated connection (not mongoose's global one), so several apps — and test files —
 * can each have their own database in one process. Retries with backoff while the server is
 * unreachable, logging one clear line per attempt.
 */
export async function connectDatabase(uri: string, options: ConnectOptions): Promise<Connection> {
  const { logger } = options;
  // Every failure to connect is worth another try: the server may still be starting.
  const policy: RetryPolicy = {
    attempts: options.maxAttempts ?? Infinity,
    baseDelayMs: 1000,
    maxDelayMs: 10_000,
    jitter: 'none',
  };
  try {
    return await retry(() => connectOnce(uri, options), {
      policy,
      retryable: () => true,
      sleep: options.sleep,
      onRetry: ({ attempt, delayMs, error }) =>
        logger.warn('database unreachable, retrying', {
          uri: redactUri(uri),
          attempt,
          retryInMs: delayMs,
          error: (error as Error).message,
        }),
    });
  } catch (err) {
    logger.error('database unreachable, giving up', {
      uri: redactUri(uri),
      attempts: policy.attempts,
    });
    throw err;
  }
}

async function connectOnce(uri: string, options: ConnectOptions): Promise<Connection> {
  const connection = mongoose.createConnection(uri, {
    serverSelectionTimeoutMS: options.serverSelectionTimeoutMS ?? 5000,
    // Fail fast instead of queueing operations while disconnected: callers decide what to do.
    bufferCommands: false,
    autoIndex: true,
  });
  try {
    await connection.asPromise();
  } catch (err) {
    await connection.close().catch(() => undefined);
    throw err;
  }
  options.logger.info('database connected', { uri: redactUri(uri) });
  connection.on('disconnected', () => options.logger.warn('database disconnected'));
  connection.on('reconnected', () => options.logger.info('database reconnected'));
  return connection;
}

/** True when the database answers a ping within the timeout. */
export async function pingDatabase(connection: Connection, timeoutMs = 1000): Promise<boolean> {
  const db = connection.db;
  if (!db || connection.readyState !== 1) return false;
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const ping = db
      .admin()
      .command({ ping: 1 })
      .then(() => true)
      .catch(() => false);
    return await Promise.race([ping, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const UNAVAILABLE =
  /MongoNetworkError|MongoServerSelectionError|MongooseServerSelectionError|MongoNotConnectedError|MongoTopologyClosedError|MongoNetworkTimeoutError|MongoPoolClearedError|MongoClientClosedError/;

/** True for errors that mean "the database cannot be reached", as opposed to a bad operation. */
export function isDatabaseUnavailable(err: unknown): boolean {
  let e = err as { name?: string; message?: string; cause?: unknown } | undefined;
  for (let depth = 0; e && depth < 4; depth++) {
    if (UNAVAILABLE.test(e.name ?? '')) return true;
    if (/client was closed|ECONNREFUSED|ECONNRESET/i.test(e.message ?? '')) return true;
    e = e.cause as typeof e;
  }
  return false;
}
