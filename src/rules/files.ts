// The rule engine's only I/O: reading the editors' rule files from RULES_DIR.

import path from 'node:path';
import { readEditorFiles } from '../editorFiles';
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
  const files = await readEditorFiles(dir, {
    pattern: RULE_FILE,
    recursive: options.recursive ?? false,
    relativeTo: options.relativeTo,
  });
  return files.map(({ path: shown, content }) => ({ path: shown, content }));
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
