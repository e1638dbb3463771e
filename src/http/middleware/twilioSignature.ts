// Checks X-Twilio-Signature with the twilio SDK's own helper.
// https://www.twilio.com/docs/usage/webhooks/webhooks-security
import type { Request, RequestHandler } from 'express';
import twilio from 'twilio';
import { AppError, type ErrorCode } from '../../errors';

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

/** Which check a webhook failed, or null when it passed: the code of the 403 says which. */
function signatureProblem(req: Request, options: SignatureOptions): ErrorCode | null {
  // Without an auth token there is nothing to check against: refuse rather than trust.
  if (options.authToken === null) return 'twilio_auth_token_missing';
  const signature = req.get('x-twilio-signature');
  if (signature === undefined) return 'twilio_signature_missing';
  const valid = twilio.validateRequest(
    options.authToken,
    signature,
    signedUrl(req, options.publicUrl),
    (req.body ?? {}) as Record<string, string>,
  );
  return valid ? null : 'twilio_signature_invalid';
}

export function twilioSignature(options: SignatureOptions): RequestHandler {
  // The missing token is a set-up problem, not an attack: said once in the log, with the way out.
  let tokenWarned = false;
  return (req, _res, next) => {
    if (!options.enabled) return next();
    const problem = signatureProblem(req, options);
    if (problem === null) return next();
    if (problem === 'twilio_auth_token_missing') {
      if (!tokenWarned)
        req.log.warn('webhook refused: TWILIO_AUTH_TOKEN is not set', {
          path: req.path,
          hint: 'set TWILIO_AUTH_TOKEN, or TWILIO_VALIDATE_SIGNATURE=false for local testing',
        });
      tokenWarned = true;
    } else {
      req.log.warn('webhook signature rejected', { path: req.path, code: problem });
    }
    next(new AppError(problem));
  };
}
