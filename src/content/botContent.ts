// What the bot says: the rules and templates in force, reloaded live; a bad set never replaces a good one.
import { watch, type FSWatcher } from 'node:fs';
import type { Clock } from '../clock';
import { formatLoadError, loadRuleSet, readRuleFiles, type RuleSet } from '../rules';
import { buildTemplateStore, loadTemplateFiles, type TemplateStore } from '../templates';

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

interface ContentLogger {
  info(message: string, meta?: object): void;
  warn(message: string, meta?: object): void;
  error(message: string, meta?: object): void;
}

export interface BotContentOptions {
  rulesDir: string;
  templatesDir: string;
  timezone: string;
  clock: Clock;
  logger: ContentLogger;
  /** Quiet time after the last file event before reloading, so an editor's save is read whole. */
  debounceMs?: number;
}

/** Reads and checks one whole set of rules and templates; pure apart from reading the files. */
export async function loadBotContent(
  options: Pick<BotContentOptions, 'rulesDir' | 'templatesDir' | 'timezone'>,
): Promise<
  { ok: true; ruleSet: RuleSet; templates: TemplateStore } | { ok: false; errors: string[] }
> {
  const templateFiles = await loadTemplateFiles(options.templatesDir);
  const built = buildTemplateStore(templateFiles, { defaultTimezone: options.timezone });
  if (!built.ok) return { ok: false, errors: built.errors.map(formatLoadError) };
  const ruleFiles = await readRuleFiles(options.rulesDir);
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
  private watchers: FSWatcher[] = [];
  private timer: NodeJS.Timeout | null = null;
  private reloading: Promise<ReloadResult> | null = null;
  private templatesVersion = 0;

  constructor(private readonly options: BotContentOptions) {}

  /** The set in force, or null when no good set has ever loaded. */
  current(): BotContentSnapshot | null {
    return this.snapshot;
  }

  lastFailure(): LoadFailure | null {
    return this.failure;
  }

  /** Loads the files again; a good set replaces the old one at once, a bad one is only reported. */
  reload(): Promise<ReloadResult> {
    // Reloads never overlap: a second request waits for the first and then runs again.
    const run = async (): Promise<ReloadResult> => {
      let result: Awaited<ReturnType<typeof loadBotContent>>;
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
    const next = (this.reloading ?? Promise.resolve()).then(run, run);
    this.reloading = next;
    return next;
  }

  /** Watches both folders and reloads after a quiet period. */
  watch(): void {
    const debounceMs = this.options.debounceMs ?? 200;
    const schedule = () => {
      if (this.timer) clearTimeout(this.timer);
      this.timer = setTimeout(() => {
        this.timer = null;
        void this.reload();
      }, debounceMs);
    };
    for (const dir of [this.options.rulesDir, this.options.templatesDir]) {
      try {
        const watcher = watch(dir, { recursive: true }, schedule);
        watcher.on('error', (err) =>
          this.options.logger.warn('file watch failed', { dir, error: err.message }),
        );
        this.watchers.push(watcher);
      } catch (err) {
        this.options.logger.warn('cannot watch folder', { dir, error: (err as Error).message });
      }
    }
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const w of this.watchers) w.close();
    this.watchers = [];
  }
}
