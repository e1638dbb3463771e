// Reading the files editors write (rules, templates) from their folder: which files, in which
// order, and the path that error messages show.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

export interface EditorFile {
  /** What error messages show: relative to `relativeTo` when under it, always with "/". */
  path: string;
  /** The path under the folder read, with "/", e.g. `promo/summer.hbs`. */
  name: string;
  content: string;
}

export interface ReadEditorFilesOptions {
  /** Which file names to read, e.g. /\.ya?ml$/i. */
  pattern: RegExp;
  /** Also read sub-folders. */
  recursive: boolean;
  /** Paths in errors are shown relative to this folder (default: the working directory). */
  relativeTo?: string;
}

/**
 * The files of `dir` whose name matches, sorted by their path under `dir` with a plain code-unit
 * comparison (so the order never depends on the machine's locale); names starting with a dot
 * (editor backups, lock files) are skipped. A missing directory rejects with the fs error (ENOENT).
 */
export async function readEditorFiles(
  dir: string,
  options: ReadEditorFilesOptions,
): Promise<EditorFile[]> {
  const base = options.relativeTo ?? process.cwd();
  const found = await list(dir, options, '');
  found.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return Promise.all(
    found.map(async ({ fullPath, name }) => ({
      path: displayPath(fullPath, base),
      name,
      content: await readFile(fullPath, 'utf8'),
    })),
  );
}

async function list(
  dir: string,
  options: ReadEditorFilesOptions,
  prefix: string,
): Promise<{ fullPath: string; name: string }[]> {
  const found: { fullPath: string; name: string }[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    const fullPath = path.join(dir, entry.name);
    const name = prefix + entry.name;
    if (entry.isDirectory() && options.recursive) {
      found.push(...(await list(fullPath, options, `${name}/`)));
    } else if (entry.isFile() && options.pattern.test(entry.name)) {
      found.push({ fullPath, name });
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
