// Basic Auth for the admin API: express-basic-auth (timing-safe) plus a limit on failed attempts.
import basicAuth from 'express-basic-auth';
import type { RequestHandler } from 'express';
import type { Clock } from '../../clock';
import type { AdminUser } from '../../config';
import { errorBody } from '../errorHandler';

export interface AdminAuthOptions {
  users: AdminUser[];
  /** Failed attempts allowed per client address within the window before it gets 429. */
  maxFailures: number;
  windowMs?: number;
  clock: Clock;
  /**
   * Refuse requests that did not arrive over HTTPS (production, SPEC §9): Basic Auth sends the
   * password in the clear. `req.secure` honours `trust proxy`, so behind a TLS-terminating proxy
   * set TRUST_PROXY and the proxy's X-Forwarded-Proto counts.
   */
  requireHttps?: boolean;
}

/**
 * Counts failures per client address in memory. Several instances each count their own, which
 * still bounds a guesser to maxFailures × instances per window.
 */
class FailureCounter {
  private readonly failures = new Map<string, { count: number; resetAt: number }>();
  constructor(
    private readonly max: number,
    private readonly windowMs: number,
    private readonly clock: Clock,
  ) {}

  private entry(client: string) {
    const now = this.clock.now().getTime();
    const e = this.failures.get(client);
    if (!e || e.resetAt <= now) return null;
    return e;
  }

  blockedFor(client: string): number {
    const e = this.entry(client);
    if (!e || e.count < this.max) return 0;
    return Math.ceil((e.resetAt - this.clock.now().getTime()) / 1000);
  }

  clear(client: string): void {
    this.failures.delete(client);
  }

  record(client: string): void {
    const now = this.clock.now().getTime();
    const e = this.entry(client);
    if (e) e.count++;
    else this.failures.set(client, { count: 1, resetAt: now + this.windowMs });
    if (this.failures.size > 10_000) {
      for (const [key, value] of this.failures) if (value.resetAt <= now) this.failures.delete(key);
    }
  }
}

export function adminAuth(options: AdminAuthOptions): RequestHandler {
  const counter = new FailureCounter(
    options.maxFailures,
    options.windowMs ?? 15 * 60_000,
    options.clock,
  );
  const users = Object.fromEntries(options.users.map((u) => [u.name, u.password]));
  const check = basicAuth({
    users,
    challenge: true,
    realm: 'ReplyBot',
    unauthorizedResponse: (req: basicAuth.IBasicAuthedRequest) => {
      // Only wrong credentials count: a browser's first request carries none and is no guess.
      const hasCredentials = Boolean(req.get('authorization'));
      if (hasCredentials) counter.record(req.ip ?? 'unknown');
      return hasCredentials
        ? errorBody('invalid_credentials', 'Wrong user name or password')
        : errorBody('unauthorized', 'Basic Auth credentials required');
    },
  });
  return (req, res, next) => {
    if (options.requireHttps && !req.secure) {
      // Before the credentials are even read: over plain HTTP they are already exposed.
      res
        .status(403)
        .json(
          errorBody(
            'https_required',
            'The admin API answers over HTTPS only (behind a proxy, set TRUST_PROXY)',
          ),
        );
      return;
    }
    const client = req.ip ?? 'unknown';
    const retryAfter = counter.blockedFor(client);
    if (retryAfter > 0) {
      res.setHeader('Retry-After', String(retryAfter));
      res
        .status(429)
        .json(
          errorBody('too_many_failed_logins', 'Too many failed login attempts; try again later'),
        );
      return;
    }
    check(req, res, (err?: unknown) => {
      if (err === undefined) counter.clear(client);
      next(err);
    });
  };
}

/** The authenticated admin's name (set by express-basic-auth). */
export function adminName(req: object): string {
  return (req as basicAuth.IBasicAuthedRequest).auth?.user ?? 'unknown';
}
