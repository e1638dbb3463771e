// Which failed Twilio requests to send again, and how long Twilio asks us to wait (pure; no
// timers). The loop and the backoff are src/retry.ts.
//
// Twilio's guidance: back off exponentially on 429 (error 20429) and honour Retry-After when sent.
// https://www.twilio.com/docs/usage/rest-api-best-practices#retry-requests-with-exponential-backoff
// https://www.twilio.com/docs/api/errors/20429

import type { RetryPolicy } from '../retry';

export type { RetryPolicy };

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
