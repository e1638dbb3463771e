// The one place that turns errors into HTTP responses: `{error: {code, message, details?}}`.
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { isDatabaseUnavailable } from '../db/connection';
import { AppError } from '../errors';
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

export const notFoundHandler: RequestHandler = (req, res) => {
  res.status(404).json(errorBody('not_found', `No route for ${req.method} ${req.path}`));
};

export function createErrorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, next) => {
    if (res.headersSent) return next(err);
    if (err instanceof AppError) {
      if (err.status >= 500)
        logger.error('request failed', { code: err.code, error: err.message, path: req.path });
      res.status(err.status).json(errorBody(err.code, err.message, err.details));
      return;
    }
    if (isDatabaseUnavailable(err)) {
      logger.warn('database unavailable', { path: req.path, error: (err as Error).message });
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
    logger.error('unhandled error', {
      error: err instanceof Error ? err.message : String(err),
      stack: err?.stack,
      path: req.path,
    });
    res.status(500).json(errorBody('internal_error', 'Something went wrong on our side'));
  };
}
