// The one place that turns errors into HTTP responses: `{error: {code, message, details?}}`.
import { STATUS_CODES } from 'node:http';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { isDatabaseUnavailable } from '../db/connection';
import { AppError, SendInProgressError } from '../errors';
import type { Logger } from '../logger';

export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

export function errorBody(code: string, message: string, details?: unknown): ErrorBody {
  return { error: details === undefined ? { code, message } : { code, message, details } };
}

/** Errors raised by body-parser, by their `type`. */
const PARSER_ERRORS: Record<string, { status: number; code: string; message: string }> = {
  'entity.parse.failed': {
    status: 400,
    code: 'malformed_json',
    message: 'The request body is not valid JSON',
  },
  'entity.too.large': {
    status: 413,
    code: 'payload_too_large',
    message: 'The request body is too large',
  },
  'encoding.unsupported': {
    status: 415,
    code: 'unsupported_encoding',
    message: 'Unsupported content encoding',
  },
  'charset.unsupported': {
    status: 415,
    code: 'unsupported_charset',
    message: 'Unsupported charset',
  },
  'parameters.too.many': {
    status: 413,
    code: 'too_many_parameters',
    message: 'Too many form parameters',
  },
  'request.aborted': { status: 400, code: 'request_aborted', message: 'The request was aborted' },
};

/** Codes for other 4xx errors that carry their status (express's router, http-errors). */
const CLIENT_ERROR_CODES: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  408: 'request_timeout',
  411: 'length_required',
  413: 'payload_too_large',
  414: 'uri_too_long',
  415: 'unsupported_media_type',
  429: 'rate_limited',
  431: 'headers_too_large',
};

/** A 4xx status carried by an error (`status` or `statusCode`), or null. */
function clientErrorStatus(err: unknown): number | null {
  const e = err as { status?: unknown; statusCode?: unknown } | null;
  const status = e?.status ?? e?.statusCode;
  return typeof status === 'number' && status >= 400 && status < 500 ? status : null;
}

/** What a client may read: http-errors marks safe messages `expose`; a bad %-escape is a URIError. */
function clientErrorMessage(err: unknown, status: number): string {
  if (err instanceof URIError) return 'The URL is not validly percent-encoded';
  const e = err as { expose?: unknown; message?: unknown };
  if (e.expose === true && typeof e.message === 'string') return e.message;
  return STATUS_CODES[status] ?? 'Bad request';
}

export const notFoundHandler: RequestHandler = (req, res) => {
  res.status(404).json(errorBody('not_found', `No route for ${req.method} ${req.path}`));
};

export function createErrorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, next) => {
    if (res.headersSent) return next(err);
    // The request's own logger carries its request id (set by requestLog).
    const log = req.log ?? logger;
    if (err instanceof AppError) {
      if (err.status >= 500)
        log.error('request failed', {
          code: err.code,
          error: err.message,
          path: req.originalUrl.split('?')[0],
        });
      if (err instanceof SendInProgressError)
        res.setHeader('Retry-After', String(err.retryAfterSeconds));
      res.status(err.status).json(errorBody(err.code, err.message, err.details));
      return;
    }
    if (isDatabaseUnavailable(err)) {
      log.warn('database unavailable', {
        path: req.originalUrl.split('?')[0],
        error: (err as Error).message,
      });
      res
        .status(503)
        .json(errorBody('database_unavailable', 'The database is unreachable; try again shortly'));
      return;
    }
    const parserError = typeof err?.type === 'string' ? PARSER_ERRORS[err.type] : undefined;
    if (parserError) {
      res.status(parserError.status).json(errorBody(parserError.code, parserError.message));
      return;
    }
    const clientStatus = clientErrorStatus(err);
    if (clientStatus !== null) {
      res
        .status(clientStatus)
        .json(
          errorBody(
            CLIENT_ERROR_CODES[clientStatus] ?? 'client_error',
            clientErrorMessage(err, clientStatus),
          ),
        );
      return;
    }
    log.error('unhandled error', {
      error: err instanceof Error ? err.message : String(err),
      stack: err?.stack,
      path: req.originalUrl.split('?')[0],
    });
    res.status(500).json(errorBody('internal_error', 'Something went wrong on our side'));
  };
}
