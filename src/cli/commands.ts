// The `replybot` commands as functions of (arguments, environment) → exit code, writing to the given streams.
import { readEnvironment } from '../config';
import { parseArgs, UsageError } from './args';
import { rulesLint } from './lint';
import { replay } from './replay';
import { rulesTest } from './rulesTest';
import { simulate } from './simulate';
import { loadWorkspace, type Io } from './workspace';

export type { Io } from './workspace';

export const USAGE = `Usage:
  replybot rules check                 validate rules and templates (exit 1 on error)
  replybot rules test                  run every rule's examples and the conversation tests in
                                       RULES_DIR/tests/*.yaml (exit 1 on failure)
  replybot rules lint [--strict] [--segments]
                                       find rules that can never answer, risky keywords and
                                       regexes, unused templates, untested rules, UCS-2
                                       look-alikes and replies over their segment budget
                                       (exit 1 on an error; with --strict on a warning too);
                                       --segments also prints each rule's costliest message
  replybot simulate --from +14155550123 [--to +14155550100] [--state STATE] [--messages N] "message"
                                       --messages: how many messages the contact sent before this
                                       one (default 0: a new contact, so first_message rules apply);
                                       --to defaults to TWILIO_FROM, else the first number the rules name
  replybot replay [--since 7d]        re-run the stored conversations (each thread's messages
                                       from its first) through the rules in --rules/--templates and
                                       print every reply that would change, and a summary by rule;
                                       reads MONGODB_URI or the embedded database, writes nothing
Options for all: --rules DIR, --templates DIR, --timezone ZONE (default: RULES_DIR, TEMPLATES_DIR, TIMEZONE or ./rules, ./templates, UTC)`;

const OPTIONS = [
  'rules', 'templates', 'timezone', 'from', 'to', 'state', 'messages', 'since',
] as const; // prettier-ignore
const FLAGS = ['strict', 'segments'] as const;

async function rulesCheck(options: Map<string, string>, io: Io): Promise<number> {
  const workspace = await loadWorkspace(options, io);
  if (!workspace) return 1;
  const { ruleSet, templates } = workspace;
  for (const warning of ruleSet.warnings) io.err(`warning: ${warning}`);
  io.out(
    `ok: ${ruleSet.ruleCount} rules in ${ruleSet.files.length} files, ${templates.names.size} templates`,
  );
  return 0;
}

export async function runCli(argv: string[], io: Io): Promise<number> {
  try {
    const { positionals, options, flags, help } = parseArgs(argv, OPTIONS, FLAGS);
    if (help) {
      io.out(USAGE);
      return 0;
    }
    const [command, sub, ...rest] = positionals;
    if (command === 'rules' && sub === 'check' && rest.length === 0)
      return await rulesCheck(options, io);
    if (command === 'rules' && sub === 'test' && rest.length === 0)
      return await rulesTest(options, io);
    if (command === 'rules' && sub === 'lint' && rest.length === 0)
      return await rulesLint(options, flags, io);
    if (command === 'simulate') return await simulate(options, positionals.slice(1), io);
    if (command === 'replay' && sub === undefined) return await replay(options, io);
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
