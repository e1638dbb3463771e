// Database errors worth trying again, and the one retry loop for the writes that must not give up.
//
// Busy handling lives in the database: the embedded FerretDB's SQLite waits up to 10 s for its write
// lock (busy_timeout), and since our patches make writes hold that lock only for an index lookup,
// a write that still fails busy found the database stuck for 10 s. Most callers then fail and let
// their caller retry (Twilio retries a webhook, the outage journal keeps inbound messages, an admin
// gets a 503). A cron slot has no such caller: node-cron skips a slot whose claim throws. Its claim
// therefore goes through `retryTransient`.
import { retry } from '../retry';
import { isDuplicateKeyError } from './models';

/** SQLite's busy/locked answers (embedded database), and MongoDB's "try again" conditions. */
const TRANSIENT_MESSAGE =
  /SQLITE_BUSY|database is locked|ECONNRESET|ECONNREFUSED|socket|connection .*closed|Server selection timed out|not primary|NotWritablePrimary|PrimarySteppedDown|InterruptedAtShutdown/i;

export function isTransientDatabaseError(err: unknown): boolean {
  if (!err || typeof err !== 'object' || isDuplicateKeyError(err)) return false;
  const e = err as { name?: string; message?: string; hasErrorLabel?: (label: string) => boolean };
  if (e.hasErrorLabel?.('RetryableWriteError') || e.hasErrorLabel?.('TransientTransactionError'))
    return true;
  if (e.name === 'MongoNetworkError' || e.name === 'MongoServerSelectionError') return true;
  return TRANSIENT_MESSAGE.test(e.message ?? '');
}

export interface RetryOptions {
  /** Attempts in all, the first included. */
  attempts: number;
  /** The first wait; each next one doubles, with jitter so colliding writers spread out. */
  firstWaitMs: number;
  sleep?: (ms: number) => Promise<void>;
}

/** Runs `operation`, trying again after a transient database error; other errors pass through. */
export function retryTransient<T>(operation: () => Promise<T>, options: RetryOptions): Promise<T> {
  const { attempts, firstWaitMs, sleep } = options;
  return retry(operation, {
    policy: { attempts, baseDelayMs: firstWaitMs, maxDelayMs: Infinity },
    retryable: isTransientDatabaseError,
    sleep,
  });
}
