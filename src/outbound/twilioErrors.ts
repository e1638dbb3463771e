// What Twilio error codes mean to us, and the one mapping from a failed Twilio call to our errors.
//
// The codes live in twilioErrors.json (a table, not an `if` chain); each is documented at
// https://www.twilio.com/docs/api/errors/<code>. `retry` in the table says whether sending the same
// message again later may succeed; the transport itself retries by HTTP status (429, 5xx) and
// network failure only, as SPEC §7 asks, so the flag is for callers planning a later re-attempt.
import { AppError, OptedOutError, TwilioRejectedError, UpstreamError } from '../errors';
import table from './twilioErrors.json';

export type TwilioErrorKind = 'invalid_recipient' | 'opted_out' | 'auth' | 'rate_limited' | 'other';

export interface TwilioErrorInfo {
  code: number;
  kind: TwilioErrorKind;
  retry: boolean;
  message: string;
}

const KINDS: readonly string[] = [
  'invalid_recipient',
  'opted_out',
  'auth',
  'rate_limited',
  'other',
];

/** Checks the JSON once at load, so a typo in the table fails loudly instead of mis-mapping. */
function loadTable(raw: Record<string, { kind: string; retry: boolean; message: string }>) {
  const byCode = new Map<number, TwilioErrorInfo>();
  for (const [key, entry] of Object.entries(raw)) {
    const code = Number(key);
    if (
      !Number.isInteger(code) ||
      !KINDS.includes(entry.kind) ||
      typeof entry.retry !== 'boolean'
    ) {
      throw new Error(`twilioErrors.json: bad entry for ${key}`);
    }
    byCode.set(code, { code, ...entry, kind: entry.kind as TwilioErrorKind });
  }
  return byCode;
}

const ERRORS = loadTable(table);

/** What we know about a Twilio error code, or null for a code not in our table. */
export function describeTwilioError(code: number | null | undefined): TwilioErrorInfo | null {
  return code === null || code === undefined ? null : (ERRORS.get(code) ?? null);
}

export function twilioErrorDocsUrl(code: number): string {
  return `https://www.twilio.com/docs/api/errors/${code}`;
}

/** The parts of the SDK's RestException (and its RFC 9457 TwilioServiceException) that we use. */
interface TwilioRestFailure {
  status: number;
  code?: number;
  message: string;
}

function asRestFailure(err: unknown): TwilioRestFailure | null {
  if (typeof err !== 'object' || err === null) return null;
  const e = err as Record<string, unknown>;
  if (typeof e.status !== 'number' || e.isAxiosError === true) return null;
  const code = typeof e.code === 'number' && e.code !== 0 ? e.code : undefined;
  // TwilioServiceException keeps the human text in `detail`/`title`; RestException in `message`.
  const text = [e.detail, e.title, e.message].find((v) => typeof v === 'string' && v !== '');
  return { status: e.status, code, message: (text as string | undefined) ?? `HTTP ${e.status}` };
}

/**
 * The Node error code of a failure to talk to Twilio at all (refused, reset, timed out, DNS), or
 * null. Axios reports these as errors without a `response`; HTTP error statuses never throw here
 * because the SDK's RequestClient accepts every status and lets the SDK raise RestException.
 */
export function networkErrorCode(err: unknown): string | null {
  if (typeof err !== 'object' || err === null) return null;
  const e = err as Record<string, unknown>;
  if (e.isAxiosError === true && e.response === undefined) {
    return typeof e.code === 'string' ? e.code : 'ENETWORK';
  }
  if (typeof e.code === 'string' && /^E[A-Z_]+$/.test(e.code)) return e.code;
  return null;
}

const CREDENTIALS_HINT = 'check TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN';

function fromRestFailure(failure: TwilioRestFailure, to: string | undefined): AppError {
  const { status, code, message } = failure;
  const info = describeTwilioError(code);
  const kind: TwilioErrorKind =
    info?.kind ?? (status === 401 ? 'auth' : status === 429 ? 'rate_limited' : 'other');
  const ref = code ?? `HTTP ${status}`;

  switch (kind) {
    case 'opted_out': {
      // https://www.twilio.com/docs/api/errors/21610 — the recipient replied STOP; callers also
      // mark the thread opted out (SPEC §7), so this is our OptedOutError (409), not a 422.
      const error = new OptedOutError(to ?? 'unknown');
      if (to === undefined) error.message = 'The recipient has opted out (Twilio error 21610)';
      return error;
    }
    case 'auth':
      // Our configuration is wrong, not the caller's request: an upstream failure for them.
      return new UpstreamError(
        `${info?.message ?? 'Twilio rejected our credentials'} (${ref}): ${CREDENTIALS_HINT}`,
        code,
        'twilio_auth_failed',
      );
    case 'rate_limited':
      return new UpstreamError(
        `Twilio is rate limiting us (${ref}); try again later`,
        code,
        'twilio_rate_limited',
      );
  }
  if (status >= 500 || status < 400) {
    return new UpstreamError(`Twilio failed (${ref}): ${message}`, code, 'twilio_unavailable');
  }
  if (kind === 'invalid_recipient')
    return new TwilioRejectedError(message, code, 'invalid_recipient');
  return new TwilioRejectedError(message, code);
}

/**
 * Maps anything a Twilio call can throw to one of our named errors:
 * invalid recipient (21211, 21614, …) → 422 `invalid_recipient`; 21610 → 409 `opted_out`;
 * bad credentials (20003) → 502 `twilio_auth_failed`; other 4xx → 422 `twilio_rejected` with
 * Twilio's message; 429 → 502 `twilio_rate_limited`; 5xx → 502 `twilio_unavailable`;
 * network failures → 502 `twilio_unreachable`. `context.to` names the recipient in the 409.
 */
export function toAppError(err: unknown, context: { to?: string } = {}): AppError {
  if (err instanceof AppError) return err;
  const failure = asRestFailure(err);
  if (failure) return fromRestFailure(failure, context.to);
  const network = networkErrorCode(err);
  if (network) {
    return new UpstreamError(
      `Could not reach Twilio (${network})`,
      undefined,
      'twilio_unreachable',
    );
  }
  const text = err instanceof Error ? err.message : String(err);
  return new UpstreamError(`Twilio request failed: ${text}`, undefined, 'twilio_failed');
}

/**
 * Whether a send that failed with this Twilio error code (null: Twilio never answered) may be tried
 * again as it is: Twilio or our credentials failed (auth, rate limit, 5xx, network), not the message.
 */
export function mayTryAgain(code: number | null): boolean {
  if (code === null) return true;
  const info = describeTwilioError(code);
  return info !== null && (info.retry || info.kind === 'auth' || info.kind === 'rate_limited');
}

/**
 * The error a definitive rejection (a Twilio 4xx) was answered with, rebuilt from what was stored,
 * so a repeated request gets the same status and body as the first.
 */
export function rejectionFor(code: number | null, message: string, to: string): AppError {
  return fromRestFailure({ status: 400, code: code ?? undefined, message }, to);
}
