// Trying an operation again: the one loop, with its policy (how many tries, how long between
// them) as data, and the caller saying which failures are worth another try.

export interface RetryPolicy {
  /** Tries in all, the first included; 1 disables retries, Infinity keeps trying. */
  attempts: number;
  /** The wait before the first retry; it doubles for each further one. */
  baseDelayMs: number;
  /** Upper bound on any single wait, including one the other side asked for. */
  maxDelayMs: number;
  /**
   * `equal` (the default): half the wait fixed, half random, so processes that failed together do
   * not retry in lockstep yet always wait a little. `none`: exactly the backoff.
   */
  jitter?: 'equal' | 'none';
}

/** Rejects nonsense early: a policy that never tries, or waits a negative time. */
export function validateRetryPolicy<P extends RetryPolicy>(policy: P): P {
  const { attempts, baseDelayMs, maxDelayMs } = policy;
  if (!(attempts === Infinity || Number.isInteger(attempts)) || attempts < 1) {
    throw new Error('retry.attempts must be >= 1');
  }
  if (!(baseDelayMs >= 0) || !(maxDelayMs >= baseDelayMs)) {
    throw new Error('retry delays must satisfy 0 <= baseDelayMs <= maxDelayMs');
  }
  return policy;
}

/**
 * Delay before retry number `retry` (1 = the first retry): `requestedMs` when the other side asked
 * for a wait (Retry-After), otherwise exponential backoff with the policy's jitter; both capped at
 * `maxDelayMs`.
 */
export function retryDelayMs(
  retry: number,
  policy: RetryPolicy,
  requestedMs: number | null = null,
  random: () => number = Math.random,
): number {
  if (requestedMs !== null) return Math.min(requestedMs, policy.maxDelayMs);
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  if (policy.jitter === 'none') return exponential;
  return Math.round(exponential / 2 + (exponential / 2) * random());
}

export interface RetryOptions {
  policy: RetryPolicy;
  /** Whether this failure may go better on another try; others are thrown at once. */
  retryable: (err: unknown) => boolean;
  /** A wait the failure itself asks for (e.g. Retry-After), honoured over the backoff. */
  requestedDelayMs?: (err: unknown) => number | null;
  /** Told before each wait, e.g. to log it. */
  onRetry?: (retry: {
    attempt: number;
    delayMs: number;
    requestedMs: number | null;
    error: unknown;
  }) => void;
  sleep?: (ms: number) => Promise<void>;
  /** Jitter source in [0, 1); Math.random unless a test wants exact waits. */
  random?: () => number;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs `operation` (told its attempt number, from 1) until it resolves, it fails in a way
 * `retryable` refuses, or the policy's attempts are used up; then the last error is thrown.
 */
export async function retry<T>(
  operation: (attempt: number) => Promise<T>,
  options: RetryOptions,
): Promise<T> {
  const sleep = options.sleep ?? realSleep;
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (error) {
      if (attempt >= options.policy.attempts || !options.retryable(error)) throw error;
      const requestedMs = options.requestedDelayMs?.(error) ?? null;
      const delayMs = retryDelayMs(attempt, options.policy, requestedMs, options.random);
      options.onRetry?.({ attempt, delayMs, requestedMs, error });
      await sleep(delayMs);
    }
  }
}
