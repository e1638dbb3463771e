// The one place that turns errors into HTTP responses: `{error: {code, message, details?}}`.
import { STATUS_CODES } from 'node:http';
import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import { isDatabaseUnavailable } from '../db/connection';
import { AppError, NotFoundError, ServiceUnavailableError, type ErrorCode } from '../errors';
import type { Logger } from '../logger';

export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

export function errorBody(code: string, message: string, details?: unknown): ErrorBody {
  return { error: details === undefined ? { code, message } : { code, message, details } };
}

/** Errors raised by body-parser, by their `type`: the code of the catalogue each one answers. */
const PARSER_ERRORS: Record<string, ErrorCode> = {
  'entity.parse.failed': 'malformed_json',
  'entity.too.large': 'payload_too_large',
  'encoding.unsupported': 'unsupported_encoding',
  'charset.unsupported': 'unsupported_charset',
  'parameters.too.many': 'too_many_parameters',
  'request.aborted': 'request_aborted',
};

/** Codes for other 4xx errors that carry their status (express's router, http-errors). */
const CLIENT_ERROR_CODES: Record<number, ErrorCode> = {
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

export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new NotFoundError(`No route for ${req.method} ${req.path}`));
};

/** An error of the catalogue as its response; a wait the client should honour goes in Retry-After. */
function send(res: Response, err: AppError): void {
  const retryAfter = (err.details as { retryAfter?: unknown } | undefined)?.retryAfter;
  if (typeof retryAfter === 'number') res.setHeader('Retry-After', String(retryAfter));
  res.status(err.status).json(errorBody(err.code, err.message, err.details));
}

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
      send(res, err);
      return;
    }
    if (isDatabaseUnavailable(err)) {
      log.warn('database unavailable', {
        path: req.originalUrl.split('?')[0],
        error: (err as Error).message,
      });
      send(res, new ServiceUnavailableError(undefined, 'database_unavailable'));
      return;
    }
    const parserError = typeof err?.type === 'string' ? PARSER_ERRORS[err.type] : undefined;
    if (parserError) {
      send(res, new AppError(parserError));
      return;
    }
    const clientStatus = clientErrorStatus(err);
    if (clientStatus !== null) {
      const code = CLIENT_ERROR_CODES[clientStatus] ?? 'client_error';
      res.status(clientStatus).json(errorBody(code, clientErrorMessage(err, clientStatus)));
      return;
    }
    log.error('unhandled error', {
      error: err instanceof Error ? err.message : String(err),
      stack: err?.stack,
      path: req.originalUrl.split('?')[0],
    });
    send(res, new AppError('internal_error'));
  };
}
