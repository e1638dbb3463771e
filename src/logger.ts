// winston logging: JSON lines in production, readable lines in development, secrets never written.
import winston from 'winston';
import type { LogFormat } from './config';

export type Logger = winston.Logger;

/**
 * What a module needs to write log events: a message and its fields. The winston Logger is one; a
 * module that writes only some levels takes `Pick<Log, 'info' | 'warn'>`, so a script or a test
 * can hand it a small object.
 */
export interface Log {
  error(message: string, meta?: object): void;
  warn(message: string, meta?: object): void;
  info(message: string, meta?: object): void;
  debug(message: string, meta?: object): void;
}

const SECRET_KEY = /pass(word)?|secret|token|authorization|cookie|api[-_]?key/i;
const REDACTED = '[redacted]';

function redactValue(value: unknown, secrets: readonly string[], depth: number): unknown {
  if (typeof value === 'string') {
    let out = value;
    for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    return out;
  }
  if (depth > 5 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error)
    return { name: value.name, message: redactValue(value.message, secrets, depth + 1) };
  if (Array.isArray(value)) return value.map((v) => redactValue(v, secrets, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    out[key] = SECRET_KEY.test(key) ? REDACTED : redactValue(v, secrets, depth + 1);
  }
  return out;
}

/**
 * Removes secrets twice over: any field whose name looks secret, and any occurrence of a known
 * secret value (auth token, admin passwords) anywhere in the message or fields.
 */
const redact = winston.format((info, opts) => {
  const { secrets } = opts as { secrets: readonly string[] };
  for (const key of Object.keys(info)) {
    if (key === 'level') continue;
    info[key] = SECRET_KEY.test(key) ? REDACTED : redactValue(info[key], secrets, 0);
  }
  return info;
});

export interface LoggerOptions {
  level: string;
  format: LogFormat;
  /** Values that must never appear in a log line. */
  secrets?: readonly string[];
  /** Where lines go; defaults to the console. Tests pass a stream to read them back. */
  stream?: NodeJS.WritableStream;
}

export function createLogger(options: LoggerOptions): Logger {
  const secrets = (options.secrets ?? []).filter((s) => s.length >= 4);
  const base = [
    winston.format.errors({ stack: false }),
    redact({ secrets }),
    winston.format.timestamp(),
  ];
  const format =
    options.format === 'json'
      ? winston.format.combine(...base, winston.format.json())
      : winston.format.combine(
          ...base,
          winston.format.printf(({ level, message, timestamp, ...fields }) => {
            const rest = Object.keys(fields).length ? ' ' + JSON.stringify(fields) : '';
            return `${String(timestamp)} ${level.padEnd(5)} ${String(message)}${rest}`;
          }),
        );
  const transport = options.stream
    ? new winston.transports.Stream({ stream: options.stream })
    : new winston.transports.Console({ stderrLevels: ['error'] });
  return winston.createLogger({ level: options.level, format, transports: [transport] });
}

/** A `Log` that writes nothing: the default of modules whose logger is optional. */
export const silentLog: Log = {
  error: () => undefined,
  warn: () => undefined,
  info: () => undefined,
  debug: () => undefined,
};

/** A logger that writes nothing; for CLI commands and tests that do not read logs. */
export function createSilentLogger(): Logger {
  return winston.createLogger({ silent: true, transports: [new winston.transports.Console()] });
}
