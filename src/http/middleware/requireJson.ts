// Routes that take a body accept one media type: anything else is a 415, not a confusing 400 (or,
// on a webhook, a 403 for a signature that could never match).
import type { RequestHandler } from 'express';
import { AppError } from '../../errors';

function requireBodyType(type: string, message: string): RequestHandler {
  return (req, _res, next) => {
    const hasBody =
      Number(req.get('content-length') ?? 0) > 0 || req.get('transfer-encoding') !== undefined;
    if (hasBody && !req.is(type)) {
      next(new AppError('unsupported_media_type', message));
      return;
    }
    next();
  };
}

/** Admin routes: JSON. */
export const requireJson = requireBodyType('application/json', 'Send the body as application/json');

/** Twilio's webhooks: always a form. */
export const requireForm = requireBodyType(
  'application/x-www-form-urlencoded',
  'Twilio webhooks are sent as application/x-www-form-urlencoded',
);
