// Live reload never goes deaf: files replaced by rename (as `sed -i` and many editors save) and
// then edited in place are noticed every time, and every broken edit is reported.
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { systemClock } from '../../src/clock';
import { BotContent, type ReloadResult } from '../../src/content/botContent';
import { buildTemplateContext } from '../../src/templates';

const RULES = (reply: string) =>
  `rules:\n  - id: hours\n    when: { keyword: hours }\n    reply: { text: "${reply}" }\n`;

describe('watching rules and templates', () => {
  let dir: string;
  let content: BotContent;
  const errors: string[][] = [];
  const rulesFile = () => path.join(dir, 'rules', 'main.yaml');
  const templateFile = () => path.join(dir, 'templates', 'hours.hbs');

  /** Writes a temporary file next to `target` and renames it over `target`, as `sed -i` does. */
  const replaceByRename = (target: string, text: string) => {
    const temp = path.join(path.dirname(target), `sed${Math.random().toString(36).slice(2, 8)}`);
    writeFileSync(temp, text);
    renameSync(temp, target);
  };

  /** The next reload that satisfies `accept`, after `change` runs; fails after a deadline. */
  const reloadAfter = (change: () => void, accept: (r: ReloadResult) => boolean) =>
    new Promise<ReloadResult>((resolve, reject) => {
      const timer = setTimeout(() => {
        stop();
        reject(new Error('no matching reload within 5 s: the change went unnoticed'));
      }, 5000);
      const stop = content.onReload((result) => {
        if (!accept(result)) return;
        clearTimeout(timer);
        stop();
        resolve(result);
      });
      change();
    });

  const replyText = () => content.current()!.ruleSet.compiled[0].reply?.text;
  const template = () =>
    content
      .current()!
      .templates.render(
        'hours',
        buildTemplateContext({ contact: { phone: '+1' }, now: new Date() }),
      );

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'replybot-watch-'));
    mkdirSync(path.join(dir, 'rules'));
    mkdirSync(path.join(dir, 'templates'));
    writeFileSync(rulesFile(), RULES('v0'));
    writeFileSync(templateFile(), 'hours v0\n');
    content = new BotContent({
      rulesDir: path.join(dir, 'rules'),
      templatesDir: path.join(dir, 'templates'),
      timezone: 'UTC',
      clock: systemClock,
      debounceMs: 50,
      logger: {
        info: () => undefined,
        warn: () => undefined,
        error: (_message, meta) => errors.push((meta as { errors: string[] }).errors),
      },
    });
    expect((await content.reload()).ok).toBe(true);
    content.watch();
    await content.whenWatching();
  });
  afterAll(() => {
    content.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each([1, 2, 3])(
    'round %i: sees every rename and in-place edit, good or broken',
    async (round) => {
      const ok = (r: ReloadResult) => r.ok;
      const failed = (r: ReloadResult) => !r.ok;

      await reloadAfter(() => replaceByRename(rulesFile(), RULES(`renamed ${round}`)), ok);
      expect(replyText()).toBe(`renamed ${round}`);
      await reloadAfter(() => replaceByRename(templateFile(), `hours renamed ${round}\n`), ok);
      expect(template()).toBe(`hours renamed ${round}`);

      // In place, after the rename: the case fs.watch missed.
      await reloadAfter(() => writeFileSync(rulesFile(), RULES(`in place ${round}`)), ok);
      expect(replyText()).toBe(`in place ${round}`);
      const badRules = await reloadAfter(
        () => writeFileSync(rulesFile(), `${RULES('broken')}    colour: blue\n`),
        failed,
      );
      expect(badRules).toEqual({
        ok: false,
        errors: [expect.stringMatching(/main\.yaml:5:5 unknown key "colour"/)],
      });
      expect(errors.at(-1)).toEqual(badRules.ok ? [] : badRules.errors);
      expect(replyText()).toBe(`in place ${round}`); // the last good set stays in force

      await reloadAfter(() => writeFileSync(templateFile(), `hours in place ${round}\n`), failed);
      // Still broken: the rules file is. Fixing it loads both changes.
      await reloadAfter(() => writeFileSync(rulesFile(), RULES(`fixed ${round}`)), ok);
      expect([replyText(), template()]).toEqual([`fixed ${round}`, `hours in place ${round}`]);

      const badTemplate = await reloadAfter(
        () => writeFileSync(templateFile(), 'hours {{#if}}\n'),
        failed,
      );
      expect(badTemplate.ok ? [] : badTemplate.errors).toEqual([
        expect.stringMatching(/hours\.hbs:\d+:\d+ syntax error/),
      ]);
      await reloadAfter(() => writeFileSync(templateFile(), `hours again ${round}\n`), ok);
      expect(template()).toBe(`hours again ${round}`);
    },
  );
});
