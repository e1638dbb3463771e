// The catalogue of named, coded errors; the HTTP error handler is the one place that maps them to responses.

export class AppError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Malformed or invalid input (HTTP 400). `details` usually lists the fields at fault. */
export class ValidationError extends AppError {
  constructor(message: string, details?: unknown, code = 'validation_failed') {
    super(code, message, 400, details);
  }
}

export class NotFoundError extends AppError {
  constructor(message = 'Not found', code = 'not_found') {
    super(code, message, 404);
  }
}

/** The recipient has opted out (replied STOP); nothing may be sent to them. */
export class OptedOutError extends AppError {
  constructor(phone: string) {
    super('opted_out', `Recipient ${phone} has opted out`, 409);
  }
}

export class ConflictError extends AppError {
  constructor(message: string, code = 'conflict') {
    super(code, message, 409);
  }
}

/**
 * A repeat of a send (same Idempotency-Key) whose first attempt is still alive, in this or another
 * instance: its outcome is not known yet. The answer carries Retry-After.
 */
export class SendInProgressError extends AppError {
  constructor(readonly retryAfterSeconds: number) {
    super(
      'send_in_progress',
      'This message is still being sent by an earlier request with the same Idempotency-Key; repeat it after Retry-After seconds',
      409,
      { retryAfter: retryAfterSeconds },
    );
  }
}

/** Twilio refused the request for a reason the caller can fix (invalid number and the like). */
export class TwilioRejectedError extends AppError {
  constructor(
    message: string,
    readonly twilioCode: number | undefined,
    code = 'twilio_rejected',
  ) {
    super(code, message, 422, twilioCode === undefined ? undefined : { twilioCode });
  }
}

/** A named template could not be rendered for this message (a helper failed, bad variables). */
export class TemplateRenderFailedError extends AppError {
  constructor(message: string, template: string) {
    super('template_render_failed', message, 422, { template });
  }
}

/** Twilio (or another upstream) failed or could not be reached. */
export class UpstreamError extends AppError {
  constructor(
    message: string,
    readonly twilioCode?: number,
    code = 'upstream_failed',
  ) {
    super(code, message, 502, twilioCode === undefined ? undefined : { twilioCode });
  }
}

export class ServiceUnavailableError extends AppError {
  constructor(message: string, code = 'service_unavailable') {
    super(code, message, 503);
  }
}
