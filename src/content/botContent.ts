// What the bot says: the rules and templates in force, reloaded live; a bad set never replaces a good one.
import chokidar, { type FSWatcher } from 'chokidar';
import type { Clock } from '../clock';
import type { Log } from '../logger';
import { formatLoadError, loadRuleSet, readRuleFiles, type RuleFile, type RuleSet } from '../rules';
import {
  buildTemplateStore,
  loadTemplateFiles,
  type TemplateFile,
  type TemplateStore,
} from '../templates';

export interface BotContentSnapshot {
  ruleSet: RuleSet;
  templates: TemplateStore;
  /** Changes whenever a rule or template file changes. */
  version: string;
  loadedAt: Date;
}

export interface LoadFailure {
  at: Date;
  /** `file:line:column message`, one per problem. */
  errors: string[];
}

export type ReloadResult =
  { ok: true; snapshot: BotContentSnapshot } | { ok: false; errors: string[] };

export interface BotContentOptions {
  rulesDir: string;
  templatesDir: string;
  timezone: string;
  clock: Clock;
  logger: Pick<Log, 'info' | 'warn' | 'error'>;
  /** Quiet time after the last file event before reloading, so an editor's save is read whole. */
  debounceMs?: number;
}

/** The editors' files as read from disk, before any checking. */
export interface BotFiles {
  ruleFiles: RuleFile[];
  templateFiles: TemplateFile[];
}

export type LoadedBotContent =
  { ok: true; ruleSet: RuleSet; templates: TemplateStore } | { ok: false; errors: string[] };

export async function readBotFiles(
  options: Pick<BotContentOptions, 'rulesDir' | 'templatesDir'>,
): Promise<BotFiles> {
  const [templateFiles, ruleFiles] = await Promise.all([
    loadTemplateFiles(options.templatesDir),
    readRuleFiles(options.rulesDir),
  ]);
  return { ruleFiles, templateFiles };
}

/** Reads and checks one whole set of rules and templates; pure apart from reading the files. */
export async function loadBotContent(
  options: Pick<BotContentOptions, 'rulesDir' | 'templatesDir' | 'timezone'>,
): Promise<LoadedBotContent> {
  return buildBotContent(await readBotFiles(options), options.timezone);
}

/** Checks and compiles files already read: templates first, as the rules name them. */
export function buildBotContent(files: BotFiles, timezone: string): LoadedBotContent {
  const { ruleFiles, templateFiles } = files;
  const options = { timezone };
  const built = buildTemplateStore(templateFiles, { defaultTimezone: options.timezone });
  if (!built.ok) return { ok: false, errors: built.errors.map(formatLoadError) };
  const loaded = loadRuleSet(ruleFiles, {
    knownTemplates: built.store.names,
    defaultTimezone: options.timezone,
    // Inline templates in rules compile against these helpers and partials, once, now.
    checkTemplate: (source) => built.store.checkInline(source),
  });
  if (!loaded.ok) return { ok: false, errors: loaded.errors.map(formatLoadError) };
  return { ok: true, ruleSet: loaded.ruleSet, templates: built.store };
}

export class BotContent {
  private snapshot: BotContentSnapshot | null = null;
  private failure: LoadFailure | null = null;
  private watcher: FSWatcher | null = null;
  private watching: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  private reloading: Promise<ReloadResult> | null = null;
  private templatesVersion = 0;
  private readonly listeners = new Set<(result: ReloadResult) => void>();

  constructor(private readonly options: BotContentOptions) {}

  /** The set in force, or null when no good set has ever loaded. */
  current(): BotContentSnapshot | null {
    return this.snapshot;
  }

  lastFailure(): LoadFailure | null {
    return this.failure;
  }

  /** Calls `listener` after every reload, good or bad; returns the function that stops it. */
  onReload(listener: (result: ReloadResult) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Loads the files again; a good set replaces the old one at once, a bad one is only reported. */
  reload(): Promise<ReloadResult> {
    // Reloads never overlap: a second request waits for the first and then runs again.
    const run = async (): Promise<ReloadResult> => {
      let result: LoadedBotContent;
      try {
        result = await loadBotContent(this.options);
      } catch (err) {
        result = { ok: false, errors: [`${(err as Error).message}`] };
      }
      if (!result.ok) {
        this.failure = { at: this.options.clock.now(), errors: result.errors };
        this.options.logger.error('rules not loaded; the last good set stays in force', {
          errors: result.errors,
        });
        return { ok: false, errors: result.errors };
      }
      this.templatesVersion++;
      this.snapshot = {
        ruleSet: result.ruleSet,
        templates: result.templates,
        version: `${result.ruleSet.version}.${this.templatesVersion}`,
        loadedAt: this.options.clock.now(),
      };
      this.failure = null;
      this.options.logger.info('rules loaded', {
        version: this.snapshot.version,
        rules: result.ruleSet.ruleCount,
      });
      return { ok: true, snapshot: this.snapshot };
    };
    const announce = async (): Promise<ReloadResult> => {
      const result = await run();
      for (const listener of this.listeners) listener(result);
      return result;
    };
    const next = (this.reloading ?? Promise.resolve()).then(announce, announce);
    this.reloading = next;
    return next;
  }

  /**
   * Watches both folders and reloads after a quiet period. chokidar, not fs.watch: on Linux a
   * recursive fs.watch stops reporting a file once an editor (or `sed -i`) replaces it by
   * renaming a new file over it, and every later edit of that file would go unnoticed.
   */
  watch(): void {
    if (this.watcher) return;
    const debounceMs = this.options.debounceMs ?? 200;
    const schedule = () => {
      if (this.timer) clearTimeout(this.timer);
      this.timer = setTimeout(() => {
        this.timer = null;
        void this.reload();
      }, debounceMs);
    };
    const watcher = chokidar.watch([this.options.rulesDir, this.options.templatesDir], {
      ignoreInitial: true,
    });
    watcher.on('all', schedule);
    watcher.on('error', (err) =>
      this.options.logger.warn('file watch failed', { error: (err as Error).message }),
    );
    this.watching = new Promise((resolve) => watcher.once('ready', () => resolve()));
    this.watcher = watcher;
  }

  /** Resolves once the watcher has seen the folders: changes from then on are noticed. */
  whenWatching(): Promise<void> {
    return this.watching;
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    void this.watcher?.close();
    this.watcher = null;
  }
}
