// A small argument parser for the `replybot` command: positionals, `--name value` options, flags and `--help`.

export interface ParsedArgs {
  positionals: string[];
  options: Map<string, string>;
  /** Flags given (`--strict`), by name without the dashes. */
  flags: Set<string>;
  /** `--help` or `-h` was given (anywhere before `--`). */
  help: boolean;
}

export class UsageError extends Error {}

export function parseArgs(
  argv: string[],
  valueOptions: readonly string[],
  flagOptions: readonly string[] = [],
): ParsedArgs {
  const positionals: string[] = [];
  const options = new Map<string, string>();
  const flags = new Set<string>();
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg === '--help' || arg === '-h') {
      help = true;
    } else if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq > 0 ? arg.slice(2, eq) : arg.slice(2);
      if (flagOptions.includes(name)) {
        if (eq > 0) throw new UsageError(`--${name} takes no value`);
        flags.add(name);
        continue;
      }
      if (!valueOptions.includes(name)) throw new UsageError(`unknown option --${name}`);
      const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined) throw new UsageError(`--${name} needs a value`);
      options.set(name, value);
    } else {
      positionals.push(arg);
    }
  }
  return { positionals, options, flags, help };
}
