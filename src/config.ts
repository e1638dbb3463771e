// The one place that reads the environment: every setting, its single default, and its validation.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import bytes from 'bytes';
import { parse as parseDotenv } from 'dotenv';
import proxyaddr from 'proxy-addr';
import { z } from 'zod';
import { parseDuration } from './duration';
import { isValidTimeZone } from './timeZone';
import { PHONE_OR_SERVICE_PATTERN } from './twilioLimits';

export type LogFormat = 'json' | 'pretty';

export interface AdminUser {
  name: string;
  password: string;
}

export interface Config {
  nodeEnv: string;
  production: boolean;
  port: number;
  publicUrl: string | null;
  mongodbUri: string | null;
  dataDir: string;
  twilio: {
    accountSid: string | null;
    authToken: string | null;
    from: string | null;
    apiUrl: string | null;
    validateSignature: boolean;
  };
  adminUsers: AdminUser[];
  /** Set when no ADMIN_USERS were configured in development and a password was generated. */
  generatedAdminPassword: string | null;
  rulesDir: string;
  templatesDir: string;
  watchRules: boolean;
  timezone: string;
  logLevel: string;
  logFormat: LogFormat;
  scheduler: boolean;
  missedGraceMs: number;
  /** SEND_LEASE: how long a send's attempt owns it without renewing (see outbound/messages.ts). */
  sendLeaseMs: number;
  trustProxy: boolean | number | string;
  bodyLimit: string;
  authMaxFailures: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.join('\n')}`);
    this.name = 'ConfigError';
  }
}

const LOG_LEVELS = ['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly'] as const;

/** Reads `.env` (when present) under the real environment: a variable set in the environment wins. */
export function readEnvironment(
  env: NodeJS.ProcessEnv = process.env,
  cwd = process.cwd(),
): Record<string, string | undefined> {
  const file = path.join(cwd, '.env');
  const fromFile = existsSync(file) ? parseDotenv(readFileSync(file)) : {};
  return { ...fromFile, ...env };
}

const booleanString = (name: string, fallback: boolean) =>
  z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value === '') return fallback;
      const v = value.toLowerCase();
      if (['true', '1', 'yes', 'on'].includes(v)) return true;
      if (['false', '0', 'no', 'off'].includes(v)) return false;
      ctx.addIssue({ code: 'custom', message: `${name} must be true or false, got "${value}"` });
      return z.NEVER;
    });

/** An optional setting: trimmed, and empty or blank means unset (null). The CLI reads its settings with it too. */
export const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? null : v.trim()));

/** A duration setting (src/duration.ts grammar): its default when unset, its problem when not one. */
const durationSetting = (name: string, fallback: number, minMs = 0) =>
  optionalString.transform((value, ctx) => {
    if (value === null) return fallback;
    const ms = parseDuration(value);
    if (typeof ms === 'string') {
      ctx.addIssue({ code: 'custom', message: `${name}: ${ms}` });
      return z.NEVER;
    }
    if (ms < minMs) {
      ctx.addIssue({
        code: 'custom',
        message: `${name} must be at least ${minMs / 1000}s, got "${value}"`,
      });
      return z.NEVER;
    }
    return ms;
  });

const ADMIN_USERS_FORMAT = 'ADMIN_USERS must be name:password pairs separated by commas';

function parseAdminUsers(text: string, problems: string[]): AdminUser[] {
  const users: AdminUser[] = [];
  for (const pair of text.split(',')) {
    const trimmed = pair.trim();
    if (!trimmed) continue;
    const colon = trimmed.indexOf(':');
    if (colon <= 0 || colon === trimmed.length - 1) {
      // Never echo the pair: it may hold a password.
      problems.push(ADMIN_USERS_FORMAT);
      return [];
    }
    users.push({ name: trimmed.slice(0, colon), password: trimmed.slice(colon + 1) });
  }
  // "," or " , " names nobody: an error, never a silent fall-back to a generated admin.
  if (users.length === 0) problems.push(ADMIN_USERS_FORMAT);
  return users;
}

/**
 * TRUST_PROXY as express reads "trust proxy": true/false, a hop count, or comma-separated
 * addresses, subnets and the names loopback, linklocal, uniquelocal. The list is compiled here
 * with proxy-addr (what express uses) so a typo stops start-up instead of the first request.
 */
function parseTrustProxy(value: string | undefined, problems: string[]): boolean | number | string {
  if (value === undefined || value === '') return false;
  if (/^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
  if (/^\d+$/.test(value)) return Number(value);
  try {
    proxyaddr.compile(value.split(',').map((part) => part.trim()));
  } catch (err) {
    problems.push(
      `TRUST_PROXY must be true, false, a hop count, or addresses/subnets/loopback/linklocal/uniquelocal separated by commas (${(err as Error).message})`,
    );
  }
  return value;
}

/** A body size as body-parser reads it (`bytes`): `100kb`, `1mb`, or a number of bytes. */
function isBodyLimit(text: string): boolean {
  // bytes.parse("100kib") quietly reads 100: accept only what it parses whole.
  if (!/^\d+(\.\d+)?\s*(b|kb|mb|gb)?$/i.test(text)) return false;
  const size = bytes.parse(text);
  return size !== null && size > 0;
}

/**
 * Turns the raw environment into a typed Config, or throws ConfigError listing every problem
 * (one line each) so an operator can fix them all at once.
 */
export function loadConfig(
  env: Record<string, string | undefined>,
  /** The development admin password; main.ts passes the one kept in DATA_DIR (adminPassword.ts). */
  adminPassword: (dataDir: string) => string = () => randomBytes(12).toString('base64url'),
): Config {
  const problems: string[] = [];
  const nodeEnv = env.NODE_ENV?.trim() || 'development';
  const production = nodeEnv === 'production';

  const schema = z.object({
    PORT: z
      .string()
      .optional()
      .transform((v, ctx) => {
        if (v === undefined || v === '') return 3000;
        const n = Number(v);
        if (!Number.isInteger(n) || n < 0 || n > 65535) {
          ctx.addIssue({ code: 'custom', message: `PORT must be a port number, got "${v}"` });
          return z.NEVER;
        }
        return n;
      }),
    PUBLIC_URL: optionalString.refine((v) => v === null || /^https?:\/\/[^\s/]+/.test(v), {
      message: 'PUBLIC_URL must be an http(s) URL such as https://sms.example.com',
    }),
    MONGODB_URI: optionalString.refine((v) => v === null || /^mongodb(\+srv)?:\/\//.test(v), {
      message: 'MONGODB_URI must start with mongodb:// or mongodb+srv://',
    }),
    DATA_DIR: optionalString.transform((v) => path.resolve(v ?? './data')),
    TWILIO_ACCOUNT_SID: optionalString.refine((v) => v === null || /^AC[0-9a-fA-F]{32}$/.test(v), {
      message: 'TWILIO_ACCOUNT_SID must be "AC" followed by 32 hex digits',
    }),
    TWILIO_AUTH_TOKEN: optionalString,
    TWILIO_FROM: optionalString.refine((v) => v === null || PHONE_OR_SERVICE_PATTERN.test(v), {
      message:
        'TWILIO_FROM must be an E.164 number (+14155550100) or a Messaging Service SID (MG…)',
    }),
    TWILIO_API_URL: optionalString.refine((v) => v === null || /^https?:\/\/[^\s]+$/.test(v), {
      message: 'TWILIO_API_URL must be an http(s) URL',
    }),
    TWILIO_VALIDATE_SIGNATURE: booleanString('TWILIO_VALIDATE_SIGNATURE', true),
    RULES_DIR: optionalString.transform((v) => path.resolve(v ?? './rules')),
    TEMPLATES_DIR: optionalString.transform((v) => path.resolve(v ?? './templates')),
    WATCH_RULES: booleanString('WATCH_RULES', true),
    TIMEZONE: optionalString
      .transform((v) => v ?? 'UTC')
      .refine(isValidTimeZone, {
        message: 'TIMEZONE must be an IANA time zone such as Europe/Berlin',
      }),
    LOG_LEVEL: optionalString
      .transform((v) => v ?? 'info')
      .refine((v) => (LOG_LEVELS as readonly string[]).includes(v), {
        message: `LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`,
      }),
    LOG_FORMAT: optionalString
      .transform((v) => v ?? (production ? 'json' : 'pretty'))
      .refine((v) => v === 'json' || v === 'pretty', {
        message: 'LOG_FORMAT must be json or pretty',
      }),
    SCHEDULER: optionalString
      .transform((v) => (v ?? 'on').toLowerCase())
      .refine((v) => v === 'on' || v === 'off', { message: 'SCHEDULER must be on or off' }),
    MISSED_GRACE: durationSetting('MISSED_GRACE', 3_600_000),
    SEND_LEASE: durationSetting('SEND_LEASE', 30_000, 1000),
    BODY_LIMIT: optionalString
      .transform((v) => v ?? '100kb')
      .refine(isBodyLimit, {
        message: 'BODY_LIMIT must be a size such as 100kb or 1mb',
      }),
    AUTH_MAX_FAILURES: optionalString
      .transform((v) => (v === null ? 10 : Number(v)))
      .refine((v) => Number.isInteger(v) && v > 0, {
        message: 'AUTH_MAX_FAILURES must be a positive whole number',
      }),
  });

  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(issue.message);
  }

  const adminUsers = env.ADMIN_USERS?.trim() ? parseAdminUsers(env.ADMIN_USERS, problems) : [];
  const trustProxy = parseTrustProxy(env.TRUST_PROXY?.trim(), problems);

  if (production) {
    for (const name of ['MONGODB_URI', 'TWILIO_AUTH_TOKEN', 'ADMIN_USERS', 'PUBLIC_URL']) {
      if (!env[name]?.trim()) problems.push(`${name} is required when NODE_ENV=production`);
    }
  }
  const hasSid = Boolean(env.TWILIO_ACCOUNT_SID?.trim());
  const hasToken = Boolean(env.TWILIO_AUTH_TOKEN?.trim());
  if (hasSid !== hasToken) {
    problems.push('TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN must be set together');
  }

  if (problems.length > 0 || !parsed.success) throw new ConfigError(problems);
  const v = parsed.data;

  let generatedAdminPassword: string | null = null;
  if (adminUsers.length === 0) {
    // Unreachable given the checks above; kept so production can never get a generated admin.
    if (production) throw new ConfigError(['ADMIN_USERS is required when NODE_ENV=production']);
    generatedAdminPassword = adminPassword(v.DATA_DIR);
    adminUsers.push({ name: 'admin', password: generatedAdminPassword });
  }

  return {
    nodeEnv,
    production,
    port: v.PORT,
    publicUrl: v.PUBLIC_URL?.replace(/\/+$/, '') ?? null,
    mongodbUri: v.MONGODB_URI,
    dataDir: v.DATA_DIR,
    twilio: {
      accountSid: v.TWILIO_ACCOUNT_SID,
      authToken: v.TWILIO_AUTH_TOKEN,
      from: v.TWILIO_FROM,
      apiUrl: v.TWILIO_API_URL?.replace(/\/+$/, '') ?? null,
      validateSignature: v.TWILIO_VALIDATE_SIGNATURE,
    },
    adminUsers,
    generatedAdminPassword,
    rulesDir: v.RULES_DIR,
    templatesDir: v.TEMPLATES_DIR,
    watchRules: v.WATCH_RULES,
    timezone: v.TIMEZONE,
    logLevel: v.LOG_LEVEL,
    logFormat: v.LOG_FORMAT as LogFormat,
    scheduler: v.SCHEDULER === 'on',
    missedGraceMs: v.MISSED_GRACE,
    sendLeaseMs: v.SEND_LEASE,
    trustProxy,
    bodyLimit: v.BODY_LIMIT,
    authMaxFailures: v.AUTH_MAX_FAILURES,
  };
}
