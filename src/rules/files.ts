// The rule engine's only I/O: reading the editors' rule files from RULES_DIR.

import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { RuleFile } from './types';

const RULE_FILE = /\.ya?ml$/i;

export interface ReadRuleFilesOptions {
  /** Also read sub-folders (default false: only the top level of the directory). */
  recursive?: boolean;
  /** Paths in errors are shown relative to this folder (default: the working directory). */
  relativeTo?: string;
}

/**
 * `*.yaml`/`*.yml` files of `dir`, sorted by name with a plain code-unit comparison (so the
 * order never depends on the machine's locale); files whose name starts with a dot (editor
 * backups, lock files) are skipped. A missing directory rejects with the fs error (ENOENT).
 */
export async function readRuleFiles(
  dir: string,
  options: ReadRuleFilesOptions = {},
): Promise<RuleFile[]> {
  const base = options.relativeTo ?? process.cwd();
  const found = await listRuleFiles(dir, options.recursive ?? false);
  found.sort((a, b) => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0));
  return Promise.all(
    found.map(async ({ fullPath }) => ({
      path: displayPath(fullPath, base),
      content: await readFile(fullPath, 'utf8'),
    })),
  );
}

async function listRuleFiles(
  dir: string,
  recursive: boolean,
  prefix = '',
): Promise<{ fullPath: string; sortKey: string }[]> {
  const found: { fullPath: string; sortKey: string }[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    const fullPath = path.join(dir, entry.name);
    const sortKey = prefix + entry.name;
    if (entry.isDirectory() && recursive) {
      found.push(...(await listRuleFiles(fullPath, true, `${sortKey}/`)));
    } else if (entry.isFile() && RULE_FILE.test(entry.name)) {
      found.push({ fullPath, sortKey });
    }
  }
  return found;
}

/** "rules/10-hours.yaml" when under `base`, the absolute path otherwise; always with "/". */
function displayPath(fullPath: string, base: string): string {
  const relative = path.relative(base, fullPath);
  const shown =
    relative.startsWith('..') || path.isAbsolute(relative) ? path.resolve(fullPath) : relative;
  return shown.split(path.sep).join('/');
}

/** The conversation tests, `RULES_DIR/tests/*.yaml` (SPEC §8); none when the folder is missing. */
export async function readTestFiles(
  rulesDir: string,
  options: Omit<ReadRuleFilesOptions, 'recursive'> = {},
): Promise<RuleFile[]> {
  try {
    return await readRuleFiles(path.join(rulesDir, 'tests'), options);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}
