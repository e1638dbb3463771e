// The catalogue of named, coded errors: every code the HTTP API can answer, its status and default
// message, stated once. Throw sites name a code from here (or a class below); the HTTP error handler
// is the one place that maps them to responses, and the OpenAPI document lists them per operation.
import { MAX_BODY_CHARS } from './twilioLimits';

interface CatalogueEntry {
  status: number;
  /** The message when the throw site gives none; also the code's description in the API document. */
  message: string;
}

export const ERROR_CATALOGUE = {
  // 400: the request itself is at fault
  validation_failed: { status: 400, message: 'The request is invalid; details lists each field' },
  missing_fields: { status: 400, message: 'A Twilio webhook form lacks a required field' },
  unknown_template: { status: 400, message: 'No template has this name' },
  body_too_long: {
    status: 400,
    message: `The rendered message is over ${MAX_BODY_CHARS} characters`,
  },
  malformed_json: { status: 400, message: 'The request body is not valid JSON' },
  request_aborted: { status: 400, message: 'The request was aborted' },
  bad_request: { status: 400, message: 'Bad request' },
  client_error: { status: 400, message: 'The request was refused (the status says why)' },
  // 401, 403: who is asking
  unauthorized: { status: 401, message: 'Basic Auth credentials required' },
  invalid_credentials: { status: 401, message: 'Wrong user name or password' },
  https_required: {
    status: 403,
    message: 'The admin API answers over HTTPS only (behind a proxy, set TRUST_PROXY)',
  },
  twilio_signature_missing: {
    status: 403,
    message:
      'No X-Twilio-Signature header: only Twilio may call this webhook (for local testing without Twilio, set TWILIO_VALIDATE_SIGNATURE=false)',
  },
  twilio_signature_invalid: {
    status: 403,
    message:
      'X-Twilio-Signature does not match this request: check TWILIO_AUTH_TOKEN, and PUBLIC_URL (or TRUST_PROXY) so the URL is the one Twilio called',
  },
  twilio_auth_token_missing: {
    status: 403,
    message:
      'TWILIO_AUTH_TOKEN is not set, so no webhook signature can be checked and every webhook is refused (for local testing without Twilio, set TWILIO_VALIDATE_SIGNATURE=false)',
  },
  forbidden: { status: 403, message: 'The request is forbidden' },
  // 404: nothing there
  not_found: { status: 404, message: 'Not found' },
  message_not_found: { status: 404, message: 'No message with this id' },
  thread_not_found: { status: 404, message: 'No thread with this contact (and number)' },
  schedule_not_found: { status: 404, message: 'No schedule with this id' },
  method_not_allowed: { status: 405, message: 'Method not allowed' },
  request_timeout: { status: 408, message: 'The request took too long to arrive' },
  length_required: { status: 411, message: 'Content-Length required' },
  // 409: the state of things forbids it
  conflict: { status: 409, message: 'The request conflicts with the current state' },
  opted_out: { status: 409, message: 'The recipient has opted out (replied STOP)' },
  idempotency_key_reused: {
    status: 409,
    message: 'This Idempotency-Key was already used with a different request',
  },
  send_in_progress: {
    status: 409,
    message:
      'The first request with this Idempotency-Key is still sending; repeat after Retry-After seconds',
  },
  send_conflict: { status: 409, message: 'Concurrent send with the same key' },
  schedule_not_editable: {
    status: 409,
    message: 'The schedule is sending, finished or canceled and can no longer be changed',
  },
  schedule_changed: {
    status: 409,
    message: 'The schedule was changed or started sending meanwhile; read it again',
  },
  // 413-431: the request's size or type
  payload_too_large: { status: 413, message: 'The request body is too large (BODY_LIMIT)' },
  too_many_parameters: { status: 413, message: 'Too many form parameters (over 200)' },
  uri_too_long: { status: 414, message: 'The URL is too long' },
  unsupported_media_type: { status: 415, message: 'The body is not of the media type expected' },
  unsupported_encoding: { status: 415, message: 'Unsupported content encoding' },
  unsupported_charset: { status: 415, message: 'Unsupported charset' },
  headers_too_large: { status: 431, message: 'The request headers are too large' },
  // 422: understood, but it cannot be done
  twilio_rejected: { status: 422, message: 'Twilio refused the message' },
  invalid_recipient: { status: 422, message: 'Twilio says the recipient is not a valid number' },
  template_render_failed: { status: 422, message: 'The template could not be rendered' },
  rules_invalid: {
    status: 422,
    message:
      'The rule or template files have errors (details.errors, with file and line); the last good set stays in force',
  },
  // 429: too many
  too_many_failed_logins: {
    status: 429,
    message: 'Too many failed login attempts; try again after Retry-After seconds',
  },
  rate_limited: { status: 429, message: 'Too many requests' },
  // 5xx: our side or upstream
  internal_error: { status: 500, message: 'Something went wrong on our side' },
  upstream_failed: { status: 502, message: 'An upstream service failed' },
  twilio_failed: { status: 502, message: 'The Twilio request failed' },
  twilio_unreachable: { status: 502, message: 'Twilio could not be reached' },
  twilio_auth_failed: { status: 502, message: 'Twilio rejected our credentials' },
  twilio_rate_limited: { status: 502, message: 'Twilio is rate limiting us; try again later' },
  twilio_unavailable: { status: 502, message: 'Twilio failed' },
  service_unavailable: { status: 503, message: 'The service is unavailable' },
  database_unavailable: {
    status: 503,
    message: 'The database is unreachable; try again shortly',
  },
  rules_not_loaded: { status: 503, message: 'No rules are loaded' },
  analytics_unavailable: { status: 503, message: 'Rule analytics are not available' },
} as const satisfies Record<string, CatalogueEntry>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/** The codes of the catalogue that answer with status `S`. */
export type CodeWithStatus<S extends number> = {
  [K in ErrorCode]: (typeof ERROR_CATALOGUE)[K]['status'] extends S ? K : never;
}[ErrorCode];

export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_CATALOGUE, code);
}

export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string = ERROR_CATALOGUE[code].message,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = new.target.name;
    this.status = ERROR_CATALOGUE[code].status;
  }
}

/** Malformed or invalid input (HTTP 400). `details` usually lists the fields at fault. */
export class ValidationError extends AppError {
  constructor(message: string, details?: unknown, code: CodeWithStatus<400> = 'validation_failed') {
    super(code, message, details);
  }
}

/** A send or schedule names a template that is not loaded. */
export class UnknownTemplateError extends ValidationError {
  constructor(template: string) {
    super(
      `template: no template named "${template}"`,
      [{ field: 'template', message: 'unknown template' }],
      'unknown_template',
    );
  }
}

export class NotFoundError extends AppError {
  constructor(message?: string, code: CodeWithStatus<404> = 'not_found') {
    super(code, message);
  }
}

/** A schedule that is sending, finished or canceled can no longer be changed or canceled. */
export class ScheduleNotEditableError extends AppError {
  constructor(status: string) {
    super('schedule_not_editable', `The schedule is ${status} and can no longer be changed`);
  }
}

/** The recipient has opted out (replied STOP); nothing may be sent to them. */
export class OptedOutError extends AppError {
  constructor(phone: string) {
    super('opted_out', `Recipient ${phone} has opted out`);
  }
}

export class ConflictError extends AppError {
  constructor(message?: string, code: CodeWithStatus<409> = 'conflict') {
    super(code, message);
  }
}

/**
 * A repeat of a send (same Idempotency-Key) whose first attempt is still alive, in this or another
 * instance: its outcome is not known yet. The answer carries Retry-After.
 */
export class SendInProgressError extends AppError {
  constructor(retryAfterSeconds: number) {
    super(
      'send_in_progress',
      'This message is still being sent by an earlier request with the same Idempotency-Key; repeat it after Retry-After seconds',
      { retryAfter: retryAfterSeconds },
    );
  }
}

/** Twilio refused the request for a reason the caller can fix (invalid number and the like). */
export class TwilioRejectedError extends AppError {
  constructor(
    message: string,
    readonly twilioCode: number | undefined,
    code: CodeWithStatus<422> = 'twilio_rejected',
  ) {
    super(code, message, twilioCode === undefined ? undefined : { twilioCode });
  }
}

/** A named template could not be rendered for this message (a helper failed, bad variables). */
export class TemplateRenderFailedError extends AppError {
  constructor(message: string, template: string) {
    super('template_render_failed', message, { template });
  }
}

/** Twilio (or another upstream) failed or could not be reached. */
export class UpstreamError extends AppError {
  constructor(
    message: string,
    readonly twilioCode?: number,
    code: CodeWithStatus<502> = 'upstream_failed',
  ) {
    super(code, message, twilioCode === undefined ? undefined : { twilioCode });
  }
}

export class ServiceUnavailableError extends AppError {
  constructor(message?: string, code: CodeWithStatus<503> = 'service_unavailable') {
    super(code, message);
  }
}

/** Too many wrong passwords from one client address; it may try again after Retry-After. */
export class TooManyFailedLoginsError extends AppError {
  constructor(retryAfterSeconds: number) {
    super('too_many_failed_logins', undefined, { retryAfter: retryAfterSeconds });
  }
}

/** A reload found errors in the rule or template files; the last good set stays in force. */
export class RulesInvalidError extends AppError {
  constructor(errors: string[], at: Date) {
    super(
      'rules_invalid',
      `The rules were not loaded: ${errors[0] ?? 'unknown error'}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ''}`,
      { errors, at: at.toISOString() },
    );
  }
}
