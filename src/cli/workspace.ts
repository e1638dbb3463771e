// What every `replybot` command shares: its I/O, where the editors' files are, and loading them.
import path from 'node:path';
import { optionalString } from '../config';
import { isValidTimeZone } from '../timeZone';
import {
  buildBotContent,
  readBotFiles,
  type BotContentSnapshot,
  type BotFiles,
} from '../content/botContent';
import { defaultOurNumber } from '../content/conversations';
import type { RuleSet } from '../rules';
import type { TemplateStore } from '../templates';
import { UsageError } from './args';

export interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
  env: Record<string, string | undefined>;
  now: () => Date;
}

export interface Settings {
  rulesDir: string;
  templatesDir: string;
  timezone: string;
  /** TWILIO_FROM, or null. */
  twilioFrom: string | null;
}

/** An option, else its variable read as config.ts reads it (empty or blank is unset), else the default. */
function setting(option: string | undefined, variable: string | undefined, fallback: string) {
  return option ?? optionalString.parse(variable) ?? fallback;
}

export function settings(options: Map<string, string>, env: Io['env']): Settings {
  const timezone = setting(options.get('timezone'), env.TIMEZONE, 'UTC');
  if (!isValidTimeZone(timezone)) throw new UsageError(`"${timezone}" is not an IANA time zone`);
  return {
    rulesDir: path.resolve(setting(options.get('rules'), env.RULES_DIR, './rules')),
    templatesDir: path.resolve(setting(options.get('templates'), env.TEMPLATES_DIR, './templates')),
    timezone,
    twilioFrom: optionalString.parse(env.TWILIO_FROM),
  };
}

export interface Workspace {
  settings: Settings;
  files: BotFiles;
  ruleSet: RuleSet;
  templates: TemplateStore;
  /** The loaded set as the server would hold it, for evaluate(). */
  snapshot: BotContentSnapshot;
  /** The number messages are sent to when the user names none (see defaultOurNumber). */
  ourNumber: string;
}

/** Reads and checks the rules and templates; prints the load errors and returns null when bad. */
export async function loadWorkspace(
  options: Map<string, string>,
  io: Io,
): Promise<Workspace | null> {
  const where = settings(options, io.env);
  const files = await readBotFiles(where);
  const loaded = buildBotContent(files, where.timezone);
  if (!loaded.ok) {
    for (const line of loaded.errors) io.err(line);
    io.err(`${plural(loaded.errors.length, 'error')}: rules not loaded`);
    return null;
  }
  return {
    settings: where,
    files,
    ruleSet: loaded.ruleSet,
    templates: loaded.templates,
    snapshot: {
      ruleSet: loaded.ruleSet,
      templates: loaded.templates,
      version: loaded.ruleSet.version,
      loadedAt: io.now(),
    },
    ourNumber: defaultOurNumber(loaded.ruleSet, where.twilioFrom),
  };
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
