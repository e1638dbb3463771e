// The HTTP client we give the Twilio SDK: points it at TWILIO_API_URL and retries transient failures.
//
// Why a custom `httpClient` (ClientOpts.httpClient in twilio/lib/base/BaseTwilio.d.ts; Twilio's
// guide "Custom HTTP clients for the Twilio Node helper library" extends RequestClient the same
// way), rather than the alternatives in twilio@5:
// - Overwriting `client.api.baseUrl` also works, but the SDK then still runs its edge/region
//   hostname rewriting (TWILIO_EDGE / TWILIO_REGION) over our URL, and we would still need a hook
//   for the next point. Here the rewrite happens last, on the final URL, and only for Twilio hosts.
// - Retry-After: the SDK turns an error response into a RestException that drops the headers, so
//   only the HTTP layer can see Retry-After. Retrying here keeps status, headers and wait in one
//   place, and the SDK still builds its RestException from the final response as usual.
// - The SDK's own `autoRetry` covers 429 only (not 5xx or network errors), ignores Retry-After and
//   waits with a real setTimeout we cannot inject, so it stays off.
import twilio from 'twilio';
import { silentLog, type Log } from '../logger';
import { networkErrorCode } from './twilioErrors';
import { retry, validateRetryPolicy, type RetryPolicy } from '../retry';
import { DEFAULT_RETRY_POLICY, isRetryableStatus, parseRetryAfter } from './retryPolicy';

type RequestOptions = Parameters<twilio.RequestClient['request']>[0];
type RequestResult = Awaited<ReturnType<twilio.RequestClient['request']>>;

export interface TwilioHttpClientOptions {
  /** Replaces `https://api.twilio.com` (and its edge/region variants); may carry a path prefix. */
  apiUrl?: string;
  retry?: RetryPolicy;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now?: () => number;
  logger?: Pick<Log, 'info' | 'warn'>;
  /** Per-request timeout; the SDK's default is 30 s. */
  timeoutMs?: number;
}

/** A response worth another try (429, 5xx), thrown inside the retry loop; the last one is returned. */
class RetryableResponse extends Error {
  constructor(readonly response: RequestResult) {
    super(`HTTP ${response.statusCode}`);
  }
}

/** `https://api.twilio.com/2010-04-01/…` → `<apiUrl>/2010-04-01/…`; other hosts are left alone. */
export function rewriteTwilioUrl(uri: string, apiUrl: string | undefined): string {
  if (!apiUrl) return uri;
  const original = new URL(uri);
  if (!/^api(\.[a-z0-9-]+)*\.twilio\.com$/i.test(original.hostname)) return uri;
  const base = apiUrl.replace(/\/+$/, '');
  return `${base}${original.pathname}${original.search}`;
}

export class TwilioHttpClient extends twilio.RequestClient {
  private readonly apiUrl: string | undefined;
  private readonly policy: RetryPolicy;
  private readonly sleep: ((ms: number) => Promise<void>) | undefined;
  private readonly random: () => number;
  private readonly now: () => number;
  private readonly logger: Pick<Log, 'info' | 'warn'>;

  constructor(options: TwilioHttpClientOptions = {}) {
    super({ autoRetry: false, timeout: options.timeoutMs });
    this.apiUrl = options.apiUrl;
    this.policy = validateRetryPolicy(options.retry ?? DEFAULT_RETRY_POLICY);
    this.sleep = options.sleep;
    this.random = options.random ?? Math.random;
    this.now = options.now ?? Date.now;
    this.logger = options.logger ?? silentLog;
  }

  override async request<TData>(opts: RequestOptions): Promise<RequestResult & { body: TData }> {
    const request = { ...opts, uri: rewriteTwilioUrl(opts.uri, this.apiUrl) };
    const response = await retry(
      async (attempt) => {
        const result = await super.request(request);
        const isLast = attempt >= this.policy.attempts;
        if (!isLast && isRetryableStatus(result.statusCode)) throw new RetryableResponse(result);
        // The SDK turns a final error response into its RestException, as without us.
        return result;
      },
      {
        policy: this.policy,
        retryable: (err) => err instanceof RetryableResponse || networkErrorCode(err) !== null,
        requestedDelayMs: (err) => {
          if (!(err instanceof RetryableResponse)) return null;
          const headers = (err.response.headers ?? {}) as Record<string, unknown>;
          return parseRetryAfter(headers['retry-after'], this.now());
        },
        // Never the URL with the account SID in it, never headers (Authorization).
        onRetry: ({ attempt, delayMs, requestedMs, error }) =>
          this.logger.warn('twilio request retry', {
            attempt,
            attempts: this.policy.attempts,
            delayMs,
            retryAfterMs: requestedMs,
            ...(error instanceof RetryableResponse
              ? { status: error.response.statusCode, twilioCode: twilioCodeOf(error.response.body) }
              : { error: networkErrorCode(error) }),
          }),
        sleep: this.sleep,
        random: this.random,
      },
    );
    return response as RequestResult & { body: TData };
  }
}

function twilioCodeOf(body: unknown): number | undefined {
  let parsed = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body);
    } catch {
      return undefined;
    }
  }
  const code = (parsed as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}
