// The reply templates in force: read from TEMPLATES_DIR, compiled once, rendered many times.
import { readEditorFiles } from '../editorFiles';
import { compileSource, type PartialReference, type SourceProblem } from './compile';
import type { TemplateContext } from './context';
import {
  createTemplateEnvironment,
  type CompiledTemplate,
  type TemplateEnvironment,
} from './environment';
import { TemplateRenderError } from './errors';

/** One `.hbs` file; `name` is its path under the templates folder without `.hbs`, e.g. `promo/summer`. */
export interface TemplateFile {
  /** What error messages show, e.g. "templates/hours.hbs". */
  path: string;
  name: string;
  content: string;
}

/** A problem in a template file, shaped like the rule loader's errors (1-based line and column). */
export interface TemplateLoadError {
  file: string;
  line: number;
  column: number;
  message: string;
}

export interface TemplateStore {
  /** Template names (partials excluded), for the rule loader's unknown-template check. */
  readonly names: ReadonlySet<string>;
  readonly partialNames: ReadonlySet<string>;
  has(name: string): boolean;
  /** Throws TemplateRenderError. Trailing whitespace is dropped: files end with a newline, SMS should not. */
  render(name: string, context: TemplateContext): string;
  /** An inline source from a rule (`reply.text`, `set` values); compiled on first use and cached. */
  renderInline(source: string, context: TemplateContext): string;
  /**
   * The problem with an inline source, or null when it compiles; for checking rules at load time.
   * A source that compiles stays compiled for the life of this store (outside the LRU cache), so
   * every inline template of the rules in force is compiled exactly once.
   */
  checkInline(source: string): SourceProblem | null;
}

export interface BuildTemplateStoreOptions {
  /** IANA zone `{{date}}` uses when the template names none (the TIMEZONE setting). */
  defaultTimezone: string;
  /** How many distinct inline sources stay compiled (default 1,000); the least recently used go first. */
  inlineCacheSize?: number;
}

export type BuildTemplateStoreResult =
  { ok: true; store: TemplateStore } | { ok: false; errors: TemplateLoadError[] };

export interface LoadTemplateFilesOptions {
  /** Paths in errors are shown relative to this folder (default: the working directory). */
  relativeTo?: string;
}

/** Files under this folder are partials (`{{> signature}}`), not templates. */
const PARTIALS_PREFIX = 'partials/';
const TEMPLATE_FILE = /\.hbs$/i;

/**
 * Every `**\/*.hbs` under `dir`, sorted by name; names starting with a dot (editor backups) are
 * skipped. A missing directory rejects with the fs error (ENOENT), as readRuleFiles does.
 */
export async function loadTemplateFiles(
  dir: string,
  options: LoadTemplateFilesOptions = {},
): Promise<TemplateFile[]> {
  const files = await readEditorFiles(dir, {
    pattern: TEMPLATE_FILE,
    recursive: true,
    relativeTo: options.relativeTo,
  });
  return files.map((file) => ({ ...file, name: file.name.replace(TEMPLATE_FILE, '') }));
}

/**
 * Compiles every template and partial up front, so an editor learns of every mistake at load
 * time, with file, line and column. Pure: the files are given. Any error means no store, and the
 * caller keeps the one in force.
 */
export function buildTemplateStore(
  files: readonly TemplateFile[],
  options: BuildTemplateStoreOptions,
): BuildTemplateStoreResult {
  const env = createTemplateEnvironment({ defaultTimezone: options.defaultTimezone });
  const errors: TemplateLoadError[] = [];
  const templates = new Map<string, CompiledTemplate>();
  const partials = new Map<string, CompiledTemplate>();
  // Partial files that exist but failed to compile: references to them are not "missing" too.
  const brokenPartials = new Set<string>();
  const references: { file: string; ref: PartialReference }[] = [];

  for (const file of files) {
    const isPartial = file.name.startsWith(PARTIALS_PREFIX);
    const name = isPartial ? file.name.slice(PARTIALS_PREFIX.length) : file.name;
    const kind = isPartial ? 'partial' : 'template';
    const at = { file: file.path, line: 1, column: 1 };
    if ((isPartial ? partials : templates).has(name) || (isPartial && brokenPartials.has(name))) {
      errors.push({ ...at, message: `duplicate ${kind} "${name}"` });
      continue;
    }
    const result = compileSource(env, file.content);
    if (!result.ok) {
      errors.push({ file: file.path, ...result.problem });
      if (isPartial) brokenPartials.add(name);
      continue;
    }
    (isPartial ? partials : templates).set(name, result.template);
    for (const ref of result.partials) references.push({ file: file.path, ref });
  }

  for (const { file, ref } of references) {
    if (partials.has(ref.name) || brokenPartials.has(ref.name)) continue;
    errors.push({
      file,
      line: ref.line,
      column: ref.column,
      message: missingPartialMessage(ref.name),
    });
  }

  if (errors.length > 0) {
    errors.sort((a, b) =>
      a.file !== b.file ? (a.file < b.file ? -1 : 1) : a.line - b.line || a.column - b.column,
    );
    return { ok: false, errors };
  }
  for (const [name, template] of partials) env.registerPartial(name, template);
  const store = new CompiledTemplateStore(
    env,
    templates,
    new Set(partials.keys()),
    Math.max(1, options.inlineCacheSize ?? 1000),
  );
  return { ok: true, store };
}

function missingPartialMessage(name: string): string {
  return `unknown partial "${name}" (expected a file ${PARTIALS_PREFIX}${name}.hbs)`;
}

/** Immutable apart from the inline cache; a reload builds a new store and swaps it in. */
class CompiledTemplateStore implements TemplateStore {
  readonly names: ReadonlySet<string>;
  private readonly inlineCache = new Map<string, CompiledTemplate>();
  /** Inline sources of the loaded rules (checkInline): never evicted. */
  private readonly pinned = new Map<string, CompiledTemplate>();

  constructor(
    private readonly env: TemplateEnvironment,
    private readonly templates: ReadonlyMap<string, CompiledTemplate>,
    readonly partialNames: ReadonlySet<string>,
    private readonly inlineCacheSize: number,
  ) {
    this.names = new Set(templates.keys());
  }

  has(name: string): boolean {
    return this.templates.has(name);
  }

  render(name: string, context: TemplateContext): string {
    const template = this.templates.get(name);
    if (!template) throw new TemplateRenderError(name, `unknown template "${name}"`);
    return run(template, context, name, `template "${name}"`);
  }

  renderInline(source: string, context: TemplateContext): string {
    const compiled = this.compileInline(source);
    if (!compiled.ok) {
      const { line, column, message } = compiled.problem;
      throw new TemplateRenderError(null, `inline template ${line}:${column} ${message}`);
    }
    return run(compiled.template, context, null, 'inline template');
  }

  checkInline(source: string): SourceProblem | null {
    if (this.pinned.has(source)) return null;
    const compiled = this.compileInline(source);
    if (!compiled.ok) return compiled.problem;
    this.pinned.set(source, compiled.template);
    this.inlineCache.delete(source);
    return null;
  }

  private compileInline(
    source: string,
  ): { ok: true; template: CompiledTemplate } | { ok: false; problem: SourceProblem } {
    const pinned = this.pinned.get(source);
    if (pinned) return { ok: true, template: pinned };
    const cached = this.inlineCache.get(source);
    if (cached) {
      // Re-insert so the Map's insertion order is least-recently-used first.
      this.inlineCache.delete(source);
      this.inlineCache.set(source, cached);
      return { ok: true, template: cached };
    }
    const result = compileSource(this.env, source);
    if (!result.ok) return result;
    const missing = result.partials.find((ref) => !this.partialNames.has(ref.name));
    if (missing) {
      const { line, column, name } = missing;
      return { ok: false, problem: { line, column, message: missingPartialMessage(name) } };
    }
    if (this.inlineCache.size >= this.inlineCacheSize) {
      const oldest = this.inlineCache.keys().next();
      if (!oldest.done) this.inlineCache.delete(oldest.value);
    }
    this.inlineCache.set(source, result.template);
    return { ok: true, template: result.template };
  }
}

function run(
  template: CompiledTemplate,
  context: TemplateContext,
  name: string | null,
  label: string,
): string {
  try {
    return template(context).trimEnd();
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new TemplateRenderError(name, `${label} failed to render: ${reason}`, { cause: err });
  }
}
