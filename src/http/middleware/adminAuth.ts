// Basic Auth for the admin API (express-basic-auth's timing-safe compare) plus a limit on failed
// attempts. Refusals are errors of the catalogue, answered by the error handler.
import basicAuth from 'express-basic-auth';
import type { RequestHandler } from 'express';
import type { Clock } from '../../clock';
import type { AdminUser } from '../../config';
import { AppError, TooManyFailedLoginsError } from '../../errors';

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
  return (req, res, next) => {
    if (options.requireHttps && !req.secure) {
      // Before the credentials are even read: over plain HTTP they are already exposed.
      next(new AppError('https_required'));
      return;
    }
    const client = req.ip ?? 'unknown';
    const retryAfter = counter.blockedFor(client);
    if (retryAfter > 0) {
      next(new TooManyFailedLoginsError(retryAfter));
      return;
    }
    const given = credentials(req.get('authorization'));
    if (given && isUser(users, given)) {
      counter.clear(client);
      (req as basicAuth.IBasicAuthedRequest).auth = given;
      next();
      return;
    }
    // Only wrong credentials count: a browser's first request carries none and is no guess.
    if (req.get('authorization')) counter.record(client);
    res.setHeader('WWW-Authenticate', 'Basic realm="ReplyBot"');
    next(new AppError(req.get('authorization') ? 'invalid_credentials' : 'unauthorized'));
  };
}

/** The user name and password of an `Authorization: Basic …` header, or null. */
function credentials(header: string | undefined): { user: string; password: string } | null {
  const match = /^Basic +([A-Za-z0-9+/]+=*) *$/i.exec(header ?? '');
  if (!match) return null;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** Timing-safe: every user is compared, name and password both, whatever matches. */
function isUser(users: Record<string, string>, given: { user: string; password: string }): boolean {
  let found = false;
  for (const [name, password] of Object.entries(users)) {
    const nameMatches = basicAuth.safeCompare(given.user, name);
    const passwordMatches = basicAuth.safeCompare(given.password, password);
    found = (nameMatches && passwordMatches) || found;
  }
  return found;
}

/** The authenticated admin's name (set by express-basic-auth). */
export function adminName(req: object): string {
  return (req as basicAuth.IBasicAuthedRequest).auth?.user ?? 'unknown';
}
