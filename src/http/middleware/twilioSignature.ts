// Checks X-Twilio-Signature with the twilio SDK's own helper.
// https://www.twilio.com/docs/usage/webhooks/webhooks-security
import type { Request, RequestHandler } from 'express';
import twilio from 'twilio';
import { errorBody } from '../errorHandler';

export interface SignatureOptions {
  authToken: string | null;
  enabled: boolean;
  /** PUBLIC_URL; when unset the URL is rebuilt from the request (honouring `trust proxy`). */
  publicUrl: string | null;
}

/**
 * The URL Twilio signed: the public base URL + the path and query of this request. Without
 * PUBLIC_URL it is rebuilt from the request: Express 5's req.protocol and req.host (host and port)
 * read X-Forwarded-Proto and X-Forwarded-Host only when `trust proxy` trusts the sender.
 */
export function signedUrl(req: Request, publicUrl: string | null): string {
  const base = publicUrl ?? `${req.protocol}://${req.host ?? 'localhost'}`;
  return `${base}${req.originalUrl}`;
}

export function twilioSignature(options: SignatureOptions): RequestHandler {
  return (req, res, next) => {
    if (!options.enabled) return next();
    const signature = req.get('x-twilio-signature');
    // Without an auth token there is nothing to check against: refuse rather than trust.
    const valid =
      options.authToken !== null &&
      signature !== undefined &&
      twilio.validateRequest(
        options.authToken,
        signature,
        signedUrl(req, options.publicUrl),
        (req.body ?? {}) as Record<string, string>,
      );
    if (!valid) {
      req.log.warn('webhook signature rejected', {
        path: req.path,
        hasSignature: signature !== undefined,
      });
      res.status(403).json(errorBody('invalid_signature', 'Missing or invalid X-Twilio-Signature'));
      return;
    }
    next();
  };
}
