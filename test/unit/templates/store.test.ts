import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  buildTemplateStore,
  loadTemplateFiles,
  TemplateRenderError,
  type TemplateLoadError,
} from '../../../src/templates';
import { contextWith, filesOf, storeOf, withVars } from './support';

function loadErrors(sources: Record<string, string>): TemplateLoadError[] {
  const built = buildTemplateStore(filesOf(sources), { defaultTimezone: 'UTC' });
  if (built.ok) throw new Error('expected the store not to build');
  return built.errors;
}

describe('buildTemplateStore', () => {
  it('lists template names without partials', () => {
    const store = storeOf({
      hours: 'Open 9-5',
      'promo/summer': 'Iced latte!',
      'partials/signature': '- Bean There',
    });
    expect([...store.names].sort()).toEqual(['hours', 'promo/summer']);
    expect([...store.partialNames]).toEqual(['signature']);
    expect(store.has('hours')).toBe(true);
    expect(store.has('signature')).toBe(false);
    expect(store.has('partials/signature')).toBe(false);
  });

  it('renders a template with the context', () => {
    const store = storeOf({ greet: 'Hi {{vars.name}}, you said "{{message.body}}"' });
    const context = contextWith({
      message: { body: 'hello' },
      contact: { phone: '+14155550123', vars: { name: 'Ana' } },
    });
    expect(store.render('greet', context)).toBe('Hi Ana, you said "hello"');
  });

  it('drops the trailing newline every file ends with', () => {
    const store = storeOf({ hours: 'Open 9-5\n\n' });
    expect(store.render('hours', contextWith())).toBe('Open 9-5');
  });

  it.each([
    [
      'a partial by its name under partials/',
      { t: 'Thanks!\n{{> signature}}\n', 'partials/signature': '- Bean There\n' },
      'Thanks!\n- Bean There',
    ],
    [
      'a partial in a sub-folder of partials/',
      { t: 'Hi {{> promo/footer}}', 'partials/promo/footer': 'Summer!' },
      'Hi Summer!',
    ],
    [
      'a partial that uses a partial',
      { t: '{{> outer}}', 'partials/outer': '[{{> inner}}]', 'partials/inner': 'in' },
      '[in]',
    ],
    [
      'a partial that sees the context',
      { t: '{{> name}}', 'partials/name': '{{default vars.name "friend"}}' },
      'friend',
    ],
    [
      'a partial with hash arguments',
      { t: '{{> greet who="Bo"}}', 'partials/greet': 'Hi {{who}}' },
      'Hi Bo',
    ],
    [
      'the fallback of a partial block when the partial is missing',
      { t: '{{#> nope}}fallback{{/nope}}' },
      'fallback',
    ],
    [
      'an inline partial defined in the template',
      { t: '{{#*inline "x"}}X{{/inline}}<{{> x}}>' },
      '<X>',
    ],
  ])('renders %s', (_behaviour, sources, expected) => {
    expect(storeOf(sources).render('t', contextWith())).toBe(expected);
  });

  it('keeps each store separate, so a reload never changes the store in force', () => {
    const before = storeOf({ t: '{{> sig}}', 'partials/sig': 'old' });
    const after = storeOf({ t: '{{> sig}}', 'partials/sig': 'new' });
    expect(before.render('t', contextWith())).toBe('old');
    expect(after.render('t', contextWith())).toBe('new');
  });
});

describe('load errors', () => {
  it('reports a syntax error with file, line and column', () => {
    expect(loadErrors({ bad: 'Hello\n{{#if vars.name}}\nHi {{vars.name}\n{{/if}}' })).toEqual([
      {
        file: 'templates/bad.hbs',
        line: 3,
        column: 15,
        message: 'syntax error: unexpected text that is not valid inside {{ }}',
      },
    ]);
  });

  it('reports a block left open at the end of the file', () => {
    const [error] = loadErrors({ open: 'Hi\n{{#if vars.name}}\nthere\n' });
    expect(error).toMatchObject({ file: 'templates/open.hbs', line: 4 });
    expect(error.message).toMatch(/end of template/);
  });

  it('reports a block closed by the wrong name', () => {
    const [error] = loadErrors({ mismatch: 'Hi\n{{#if a}}x{{/each}}' });
    expect(error).toMatchObject({ file: 'templates/mismatch.hbs', line: 2 });
    expect(error.message).toBe('{{/each}} does not close {{#if}}');
  });

  it('reports a missing partial where it is used', () => {
    expect(loadErrors({ welcome: 'Welcome!\n  {{> footer}}' })).toEqual([
      {
        file: 'templates/welcome.hbs',
        line: 2,
        column: 3,
        message: 'unknown partial "footer" (expected a file partials/footer.hbs)',
      },
    ]);
  });

  it('reports a missing partial used by a partial', () => {
    const errors = loadErrors({ t: '{{> a}}', 'partials/a': 'x {{> b}}' });
    expect(errors).toEqual([
      expect.objectContaining({ file: 'templates/partials/a.hbs', line: 1, column: 3 }),
    ]);
  });

  it.each([
    ['as a mustache', 'Hi {{shout vars.name}}', 1, 4, 'shout'],
    ['as a block', 'x\n{{#repeat 3}}x{{/repeat}}', 2, 1, 'repeat'],
    ['as a subexpression', '{{#if (same a b)}}x{{/if}}', 1, 7, 'same'],
  ])('reports an unknown helper used %s', (_form, source, line, column, helper) => {
    const [error] = loadErrors({ t: source });
    expect(error).toMatchObject({ file: 'templates/t.hbs', line, column });
    expect(error.message).toMatch(
      new RegExp(`^unknown helper "${helper}" \\(known helpers: .*upper`),
    );
  });

  it('reports every broken file at once, in file order', () => {
    const errors = loadErrors({ zeta: '{{> nope}}', alpha: '{{#if}}', ok: 'fine' });
    expect(errors.map((e) => e.file)).toEqual(['templates/alpha.hbs', 'templates/zeta.hbs']);
  });

  it('does not also report a broken partial as missing', () => {
    const errors = loadErrors({ t: '{{> sig}}', 'partials/sig': '{{#if}}' });
    expect(errors.map((e) => e.file)).toEqual(['templates/partials/sig.hbs']);
  });

  it('reports duplicate names', () => {
    const built = buildTemplateStore(
      [
        { path: 'templates/a.hbs', name: 'a', content: 'x' },
        { path: 'templates/A.HBS', name: 'a', content: 'y' },
      ],
      { defaultTimezone: 'UTC' },
    );
    expect(built).toEqual({
      ok: false,
      errors: [{ file: 'templates/A.HBS', line: 1, column: 1, message: 'duplicate template "a"' }],
    });
  });

  it('accepts a plain path lookup that shares no name with a helper', () => {
    expect(
      storeOf({ t: '{{#vars}}{{name}}{{/vars}}' }).render('t', withVars({ name: 'Ana' })),
    ).toBe('Ana');
  });
});

describe('render errors', () => {
  const store = storeOf({ when: 'At {{date vars.when}}' });

  it('throws TemplateRenderError for an unknown template, naming it', () => {
    const error = captured(() => store.render('nope', contextWith()));
    expect(error).toBeInstanceOf(TemplateRenderError);
    expect(error).toMatchObject({ code: 'template_render_failed', templateName: 'nope' });
    expect(error.message).toBe('unknown template "nope"');
  });

  it('throws TemplateRenderError when a helper fails, with the cause', () => {
    const error = captured(() => store.render('when', withVars({ when: 'soon' })));
    expect(error).toMatchObject({ code: 'template_render_failed', templateName: 'when' });
    expect(error.message).toMatch(/^template "when" failed to render: date: "soon" is not a date/);
    expect(error.cause).toBeInstanceOf(Error);
  });

  it('throws TemplateRenderError without a name for a broken inline source', () => {
    const error = captured(() => store.renderInline('Hi {{vars.name', contextWith()));
    expect(error).toMatchObject({ code: 'template_render_failed', templateName: null });
    expect(error.message).toMatch(/^inline template 1:\d+ syntax error/);
  });

  it('throws for an inline source that uses a missing partial', () => {
    expect(() => store.renderInline('{{> nope}}', contextWith())).toThrow(/unknown partial "nope"/);
  });
});

describe('inline templates', () => {
  it('renders inline sources with the store partials', () => {
    const store = storeOf({ 'partials/sig': '- Bean' });
    expect(
      store.renderInline('We open at {{vars.open}} {{> sig}}', withVars({ open: '7:00' })),
    ).toBe('We open at 7:00 - Bean');
  });

  it('keeps rendering correctly as sources pass through a small cache', () => {
    const built = buildTemplateStore([], { defaultTimezone: 'UTC', inlineCacheSize: 2 });
    if (!built.ok) throw new Error('no store');
    const sources = ['a{{vars.n}}', 'b{{vars.n}}', 'c{{vars.n}}', 'a{{vars.n}}', 'b{{vars.n}}'];
    expect(sources.map((s) => built.store.renderInline(s, withVars({ n: 1 })))).toEqual([
      'a1',
      'b1',
      'c1',
      'a1',
      'b1',
    ]);
  });

  it.each([
    ['a good source', 'Hi {{default vars.name "friend"}}', null],
    ['a syntax error', 'Hi {{vars.name', { line: 1 }],
    ['an unknown helper', '{{shout x}}', { line: 1, column: 1 }],
  ])('checks %s without rendering it', (_kind, source, expected) => {
    const problem = storeOf().checkInline(source);
    if (expected === null) expect(problem).toBeNull();
    else expect(problem).toMatchObject(expected);
  });
});

describe('loadTemplateFiles', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'replybot-templates-'));
    const files: Record<string, string> = {
      'hours.hbs': 'Open',
      'promo/summer.hbs': 'Iced',
      'partials/signature.hbs': '- Bean',
      'notes.txt': 'not a template',
      '.hours.hbs.swp': 'editor backup',
      '.hidden/secret.hbs': 'hidden folder',
    };
    for (const [name, content] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
      await writeFile(path.join(dir, name), content);
    }
  });

  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('reads every .hbs file below the folder, sorted, with names relative to it', async () => {
    const files = await loadTemplateFiles(dir, { relativeTo: path.dirname(dir) });
    const base = path.basename(dir);
    expect(files).toEqual([
      { path: `${base}/hours.hbs`, name: 'hours', content: 'Open' },
      { path: `${base}/partials/signature.hbs`, name: 'partials/signature', content: '- Bean' },
      { path: `${base}/promo/summer.hbs`, name: 'promo/summer', content: 'Iced' },
    ]);
  });

  it('shows absolute paths for files outside the folder paths are relative to', async () => {
    const files = await loadTemplateFiles(dir, { relativeTo: path.join(dir, 'elsewhere') });
    expect(files[0].path).toBe(path.join(dir, 'hours.hbs').split(path.sep).join('/'));
  });

  it('rejects a missing folder', async () => {
    await expect(loadTemplateFiles(path.join(dir, 'missing'))).rejects.toMatchObject({
      code: 'ENOENT',
    });
  });
});

function captured(fn: () => unknown): TemplateRenderError {
  try {
    fn();
  } catch (err) {
    return err as TemplateRenderError;
  }
  throw new Error('expected an error');
}
