// The `replybot` commands as functions of (arguments, environment) → exit code, writing to the given streams.
import path from 'node:path';
import { isValidTimezone, optionalString, readEnvironment } from '../config';
import { loadBotContent } from '../content/botContent';
import { evaluate } from '../content/evaluate';
import { runExamples } from '../rules';
import { parseArgs, UsageError } from './args';

export interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
  env: Record<string, string | undefined>;
  now: () => Date;
}

export const USAGE = `Usage:
  replybot rules check                 validate rules and templates (exit 1 on error)
  replybot rules test                  run every rule's examples (exit 1 on failure)
  replybot simulate --from +14155550123 [--to +14155550100] [--state STATE] [--messages N] "message"
                                       --messages: how many messages the contact sent before this
                                       one (default 0: a new contact, so first_message rules apply)
Options for all: --rules DIR, --templates DIR, --timezone ZONE (default: RULES_DIR, TEMPLATES_DIR, TIMEZONE or ./rules, ./templates, UTC)`;

const OPTIONS = ['rules', 'templates', 'timezone', 'from', 'to', 'state', 'messages'] as const;

/** An option, else its variable read as config.ts reads it (empty or blank is unset), else the default. */
function setting(option: string | undefined, variable: string | undefined, fallback: string) {
  return option ?? optionalString.parse(variable) ?? fallback;
}

function settings(options: Map<string, string>, env: Io['env']) {
  const timezone = setting(options.get('timezone'), env.TIMEZONE, 'UTC');
  if (!isValidTimezone(timezone)) throw new UsageError(`"${timezone}" is not an IANA time zone`);
  return {
    rulesDir: path.resolve(setting(options.get('rules'), env.RULES_DIR, './rules')),
    templatesDir: path.resolve(setting(options.get('templates'), env.TEMPLATES_DIR, './templates')),
    timezone,
  };
}

async function load(options: Map<string, string>, io: Io) {
  const loaded = await loadBotContent(settings(options, io.env));
  if (!loaded.ok) {
    for (const line of loaded.errors) io.err(line);
    io.err(
      `${loaded.errors.length} error${loaded.errors.length === 1 ? '' : 's'}: rules not loaded`,
    );
  }
  return loaded;
}

async function rulesCheck(options: Map<string, string>, io: Io): Promise<number> {
  const loaded = await load(options, io);
  if (!loaded.ok) return 1;
  for (const warning of loaded.ruleSet.warnings) io.err(`warning: ${warning}`);
  io.out(
    `ok: ${loaded.ruleSet.ruleCount} rules in ${loaded.ruleSet.files.length} files, ${loaded.templates.names.size} templates`,
  );
  return 0;
}

async function rulesTest(options: Map<string, string>, io: Io): Promise<number> {
  const loaded = await load(options, io);
  if (!loaded.ok) return 1;
  const results = runExamples(loaded.ruleSet);
  let failed = 0;
  for (const r of results) {
    if (r.ok) {
      io.out(`ok   ${r.ruleId}: "${r.example}"`);
    } else {
      failed++;
      const got = r.matched
        ? `rule ${r.matched}`
        : r.kind === 'none'
          ? 'no rule'
          : `compliance keyword (${r.kind})`;
      io.out(`FAIL ${r.ruleId}: "${r.example}" was answered by ${got}`);
    }
  }
  io.out(`${results.length - failed} passed, ${failed} failed`);
  return failed > 0 ? 1 : 0;
}

async function simulate(
  options: Map<string, string>,
  positionals: string[],
  io: Io,
): Promise<number> {
  const from = options.get('from');
  if (!from) throw new UsageError('simulate needs --from +E164');
  if (positionals.length !== 1)
    throw new UsageError('simulate needs the message text as one argument');
  const messages = options.get('messages') ?? '0';
  if (!/^\d+$/.test(messages))
    throw new UsageError('--messages must be a whole number (messages sent before this one)');
  const loaded = await load(options, io);
  if (!loaded.ok) return 1;
  const outcome = evaluate(
    {
      ruleSet: loaded.ruleSet,
      templates: loaded.templates,
      version: loaded.ruleSet.version,
      loadedAt: io.now(),
    },
    {
      message: { body: positionals[0], from, to: options.get('to') ?? '+15555550199', media: [] },
      thread: {
        state: options.get('state') ?? null,
        vars: {},
        tags: [],
        // A contact we have never heard from, unless --messages says otherwise (as the webhook
        // would see a first text from --from).
        messageCount: Number(messages),
        optedOut: false,
        firstSeen: null,
      },
      now: io.now(),
    },
  );
  io.out(
    `matched: ${outcome.rule ? outcome.rule.id : outcome.kind === 'rule' || outcome.kind === 'none' ? '(no rule)' : `(compliance: ${outcome.kind})`}`,
  );
  if (outcome.replies.length === 0) io.out('reply:   (none)');
  for (const reply of outcome.replies) {
    io.out(`reply:   ${reply.body}`);
    for (const url of reply.media) io.out(`media:   ${url}`);
  }
  if (Object.keys(outcome.set).length) io.out(`set:     ${JSON.stringify(outcome.set)}`);
  if (outcome.state !== undefined) io.out(`state:   ${outcome.state ?? '(cleared)'}`);
  if (outcome.tags.add.length || outcome.tags.remove.length)
    io.out(`tags:    +[${outcome.tags.add.join(', ')}] -[${outcome.tags.remove.join(', ')}]`);
  if (outcome.schedule)
    io.out(
      `follow-up at ${outcome.schedule.at.toISOString()}: ${outcome.schedule.template ? `template ${outcome.schedule.template}` : outcome.schedule.body}`,
    );
  if (outcome.error) io.err(`template error (fallback used): ${outcome.error}`);
  return 0;
}

export async function runCli(argv: string[], io: Io): Promise<number> {
  try {
    const { positionals, options, help } = parseArgs(argv, OPTIONS);
    if (help) {
      io.out(USAGE);
      return 0;
    }
    const [command, sub, ...rest] = positionals;
    if (command === 'rules' && sub === 'check' && rest.length === 0)
      return await rulesCheck(options, io);
    if (command === 'rules' && sub === 'test' && rest.length === 0)
      return await rulesTest(options, io);
    if (command === 'simulate') return await simulate(options, positionals.slice(1), io);
    if (command === undefined || command === 'help') {
      io.out(USAGE);
      return command === undefined ? 2 : 0;
    }
    throw new UsageError(`unknown command: ${positionals.join(' ')}`);
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`replybot: ${err.message}`);
      io.err(USAGE);
      return 2;
    }
    throw err;
  }
}

/** The real process environment, with `.env` read. */
export function processIo(): Io {
  return {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    env: readEnvironment(),
    now: () => new Date(),
  };
}
