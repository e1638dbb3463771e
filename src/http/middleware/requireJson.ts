// Admin routes that take a body accept JSON only: anything else is a 415, not a confusing 400.
import type { RequestHandler } from 'express';
import { AppError } from '../../errors';

export const requireJson: RequestHandler = (req, _res, next) => {
  const hasBody =
    Number(req.get('content-length') ?? 0) > 0 || req.get('transfer-encoding') !== undefined;
  if (hasBody && !req.is('application/json')) {
    next(new AppError('unsupported_media_type', 'Send the body as application/json', 415));
    return;
  }
  next();
};
