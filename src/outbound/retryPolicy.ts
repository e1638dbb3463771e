// When and how long to wait before sending a failed Twilio request again (pure; no timers).
//
// Twilio's guidance: back off exponentially on 429 (error 20429) and honour Retry-After when sent.
// https://www.twilio.com/docs/usage/rest-api-best-practices#retry-requests-with-exponential-backoff
// https://www.twilio.com/docs/api/errors/20429

export interface RetryPolicy {
  /** Total tries including the first; 1 disables retries. */
  attempts: number;
  /** Delay before the first retry; doubles for each further one. */
  baseDelayMs: number;
  /** Upper bound on any single wait, including one asked for by Retry-After. */
  maxDelayMs: number;
}

/** 3 tries within about 1.5 s of waiting: the admin API answers synchronously, so stay short. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  attempts: 3,
  baseDelayMs: 500,
  maxDelayMs: 5000,
};

/**
 * 429 and 5xx may succeed on a second try; other statuses (4xx: the request itself is wrong) will
 * not. Network failures are retried too (see twilioHttpClient).
 */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

/**
 * Milliseconds asked for by a Retry-After header (delay-seconds or an HTTP-date, RFC 9110
 * §10.2.3), or null when absent or unreadable.
 */
export function parseRetryAfter(value: unknown, nowMs: number): number | null {
  const header = Array.isArray(value) ? value[0] : value;
  if (typeof header !== 'string' && typeof header !== 'number') return null;
  const text = String(header).trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs);
}

/**
 * Delay before retry number `retry` (1 = the first retry). Honours `retryAfterMs` when the server
 * sent one; otherwise exponential backoff with "equal jitter" (half fixed, half random), so
 * instances that failed together do not retry in lockstep yet always wait a little. Both are
 * capped at `maxDelayMs`.
 */
export function retryDelayMs(
  retry: number,
  policy: RetryPolicy,
  retryAfterMs: number | null,
  random: () => number = Math.random,
): number {
  if (retryAfterMs !== null) return Math.min(retryAfterMs, policy.maxDelayMs);
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  return Math.round(exponential / 2 + (exponential / 2) * random());
}

/** Rejects nonsense early: a policy that never tries, or waits a negative time. */
export function validateRetryPolicy(policy: RetryPolicy): RetryPolicy {
  const { attempts, baseDelayMs, maxDelayMs } = policy;
  if (!Number.isInteger(attempts) || attempts < 1) throw new Error('retry.attempts must be >= 1');
  if (!(baseDelayMs >= 0) || !(maxDelayMs >= baseDelayMs)) {
    throw new Error('retry delays must satisfy 0 <= baseDelayMs <= maxDelayMs');
  }
  return policy;
}
