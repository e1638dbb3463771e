// The replybot command against the example rules and against broken copies of them.
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli, USAGE } from '../../../src/cli/commands';
import { loadBotContent } from '../../../src/content/botContent';
import { runConversation } from '../../../src/content/conversations';
import { readConversationTests, readTestFiles, type CompiledRule } from '../../../src/rules';
import { CONDITION_KEYS } from '../../../src/rules/schema/conditions';

const ROOT = path.resolve(__dirname, '../../..');

async function run(argv: string[], env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    env: {
      RULES_DIR: path.join(ROOT, 'rules'),
      TEMPLATES_DIR: path.join(ROOT, 'templates'),
      ...env,
    },
    // A Wednesday at noon in Los Angeles: the weekday rules apply.
    now: () => new Date('2026-03-04T20:00:00Z'),
  });
  return { code, out, err };
}

function brokenCopy(edit: (dir: string) => void): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'replybot-cli-'));
  cpSync(path.join(ROOT, 'rules'), path.join(dir, 'rules'), { recursive: true });
  cpSync(path.join(ROOT, 'templates'), path.join(dir, 'templates'), { recursive: true });
  edit(dir);
  return dir;
}

/** The `--rules` and `--templates` options pointing into a copy made by brokenCopy. */
const dirsOf = (dir: string) => [
  '--rules',
  path.join(dir, 'rules'),
  '--templates',
  path.join(dir, 'templates'),
];

describe('replybot rules check', () => {
  it('accepts the example rules and templates', async () => {
    const { code, out } = await run(['rules', 'check']);
    expect(code).toBe(0);
    expect(out.join('\n')).toMatch(/^ok: \d+ rules in 2 files, \d+ templates$/);
  });

  it('exits 1 and prints file:line:column for each error', async () => {
    const dir = brokenCopy((d) =>
      writeFileSync(
        path.join(d, 'rules', '20-bad.yaml'),
        'rules:\n  - id: hours\n    when: { regex: "(" }\n',
      ),
    );
    const { code, err } = await run(['rules', 'check', ...dirsOf(dir)]);
    expect(code).toBe(1);
    expect(err).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/20-bad\.yaml:2:\d+ .*duplicate/i),
        expect.stringMatching(/20-bad\.yaml:3:\d+ .*regex/i),
      ]),
    );
    expect(err[err.length - 1]).toMatch(/errors?: rules not loaded/);
  });

  it('rejects an inline template calling an unknown helper or partial, which would fail on every message', async () => {
    const dir = brokenCopy((d) =>
      writeFileSync(
        path.join(d, 'rules', '20-typo.yaml'),
        [
          'rules:',
          '  - id: shout',
          '    when: { keyword: shout }',
          '    reply: { text: "{{uppr message.body}}" }',
          '  - id: sign',
          '    when: { keyword: sign }',
          '    reply: { text: "{{> nosuch}}" }',
          '',
        ].join('\n'),
      ),
    );
    const { code, err } = await run(['rules', 'check', ...dirsOf(dir)]);
    expect(code).toBe(1);
    expect(err).toEqual([
      expect.stringMatching(
        /20-typo\.yaml:4:20 reply\.text is not a valid template: unknown helper "uppr" \(known helpers: /,
      ),
      expect.stringMatching(
        /20-typo\.yaml:7:20 reply\.text is not a valid template: unknown partial "nosuch"/,
      ),
      '2 errors: rules not loaded',
    ]);
  });

  it('reports a template syntax error with its file and line', async () => {
    const dir = brokenCopy((d) =>
      writeFileSync(path.join(d, 'templates', 'menu.hbs'), 'Menu:\n{{#each items}}\n'),
    );
    const { code, err } = await run(['rules', 'check', ...dirsOf(dir)]);
    expect(code).toBe(1);
    expect(err[0]).toMatch(/menu\.hbs:\d+:\d+ /);
  });
});

describe('replybot rules test', () => {
  it("passes every example rule's examples", async () => {
    const { code, out } = await run(['rules', 'test']);
    expect(code).toBe(0);
    expect(out[out.length - 1]).toMatch(/^\d+ passed, 0 failed$/);
  });

  it('fails when an example is answered by an earlier rule', async () => {
    const dir = brokenCopy((d) =>
      writeFileSync(
        path.join(d, 'rules', '05-greedy.yaml'),
        'rules:\n  - id: greedy\n    when: { contains: [hours] }\n    reply: { text: mine }\n    examples: [hours please]\n',
      ),
    );
    const { code, out } = await run(['rules', 'test', ...dirsOf(dir)]);
    expect(code).toBe(1);
    expect(out).toContain('FAIL hours: "hours?" was answered by rule greedy');
    expect(out[out.length - 1]).toMatch(/^\d+ passed, [1-9]\d* failed$/);
  });
});

describe('replybot rules test: conversations', () => {
  it('prints a failing conversation with its step, what it expected and what happened', async () => {
    const dir = brokenCopy((d) =>
      writeFileSync(
        path.join(d, 'rules', 'tests', 'zz-wrong.yaml'),
        [
          'conversations:',
          '  - name: menu then hours',
          '    given: {messages: 1}',
          '    steps:',
          '      - send: menu',
          '        expect: {rule: menu}',
          '      - send: hours?',
          '        expect: {rule: menu, reply_contains: pastries}',
          '',
        ].join('\n'),
      ),
    );
    const { code, out } = await run(['rules', 'test', ...dirsOf(dir)]);
    expect(code).toBe(1);
    const at = out.findIndex((l) => l.startsWith('FAIL '));
    expect(out.slice(at, at + 7)).toEqual([
      expect.stringMatching(/^FAIL .*rules\/tests\/zz-wrong\.yaml:2:5 menu then hours$/),
      expect.stringMatching(/^ {5}step 2 \(.*zz-wrong\.yaml:7:9\) send "hours\?":$/),
      '       rule: expected menu, got hours',
      '       reply: expected it to contain "pastries"',
      '       actual reply: "We\'re open Mon-Fri 7:00-18:00 and Sat-Sun 8:00-16:00. It\'s Wed 04:00 at the shop now."',
      '       actual rule:  hours',
      '       actual state: null',
    ]);
    expect(out[out.length - 1]).toMatch(/^\d+ passed, 1 failed$/);
  });

  it('exits 1 with file:line:column for a test file with unknown keys or wrong types, running nothing', async () => {
    const dir = brokenCopy((d) =>
      writeFileSync(
        path.join(d, 'rules', 'tests', 'zz-bad.yaml'),
        'conversations:\n  - name: x\n    steps:\n      - send: hi\n        expect: {rule: [a], colour: blue}\n',
      ),
    );
    const { code, out, err } = await run(['rules', 'test', ...dirsOf(dir)]);
    expect(code).toBe(1);
    expect(out).toEqual([]);
    expect(err).toEqual([
      expect.stringMatching(/zz-bad\.yaml:5:24 expect\.rule must be a string$/),
      expect.stringMatching(/zz-bad\.yaml:5:29 unknown key "colour" in expect; expected one of: /),
      '2 errors in conversation tests: not run',
    ]);
  });
});

describe('replybot rules lint', () => {
  it('exits 1 on an error, printing file:line:column severity code message', async () => {
    const dir = brokenCopy((d) =>
      writeFileSync(
        path.join(d, 'rules', '20-late.yaml'),
        'rules:\n  - id: late\n    when: {keyword: late}\n    reply: {text: Late}\n    examples: [late]\n',
      ),
    );
    const { code, out } = await run(['rules', 'lint', ...dirsOf(dir)]);
    expect(code).toBe(1);
    expect(out).toEqual([
      expect.stringMatching(
        /20-late\.yaml:2:5 error unreachable rule "late" comes after "fallback" \(.*10-coffee-shop\.yaml:\d+\), which has no conditions and answers every message$/,
      ),
      expect.stringMatching(/20-late\.yaml:2:5 warning untested-rule rule "late" is not reached/),
      '1 error, 1 warning',
    ]);
  });

  it('passes warnings unless --strict', async () => {
    const dir = brokenCopy((d) =>
      writeFileSync(path.join(d, 'templates', 'promo.hbs'), 'Summer promo!\n'),
    );
    const plain = await run(['rules', 'lint', ...dirsOf(dir)]);
    expect(plain.out).toEqual([
      expect.stringMatching(/promo\.hbs:1:1 warning unused-template template "promo" is not used/),
      '0 errors, 1 warning',
    ]);
    expect(plain.code).toBe(0);
    const strict = await run(['rules', 'lint', '--strict', ...dirsOf(dir)]);
    expect(strict.out[strict.out.length - 1]).toBe('0 errors, 1 warning (--strict)');
    expect(strict.code).toBe(1);
  });

  it('--segments prints the costliest message of each rule', async () => {
    const { out } = await run(['rules', 'lint', '--segments']);
    expect(out).toEqual(
      expect.arrayContaining([
        'segments per rule (the costliest message in the examples and conversations):',
        '  menu: 1 GSM-7, 147 characters (budget 2)',
      ]),
    );
  });
});

describe('the example rules', () => {
  it('use every condition and action, and every rule is reached by a conversation test', async () => {
    const loaded = await loadBotContent({
      rulesDir: path.join(ROOT, 'rules'),
      templatesDir: path.join(ROOT, 'templates'),
      timezone: 'UTC',
    });
    if (!loaded.ok) throw new Error(loaded.errors.join('\n'));
    const rules = loaded.ruleSet.compiled.filter((r) => r.enabled);

    // `rules test` lists each conversation; every rule must answer in at least one of them.
    const read = readConversationTests(await readTestFiles(path.join(ROOT, 'rules')));
    if (!read.ok) throw new Error(JSON.stringify(read.errors));
    const snapshot = { ...loaded, version: 'test', loadedAt: new Date() };
    const reached = new Set<string>();
    for (const test of read.tests) {
      const run = runConversation(snapshot, test, '+14155550100');
      expect({ name: test.name, problems: run.failed?.problems ?? [] }).toEqual({
        name: test.name,
        problems: [],
      });
      for (const step of run.steps) if (step.rule) reached.add(step.rule);
    }
    expect(rules.map((r) => r.id).filter((id) => !reached.has(id))).toEqual([]);

    const kinds = new Set<string>();
    const visit = (group: CompiledRule['conditions']): void => {
      for (const c of group) {
        kinds.add(c.kind);
        if (c.kind === 'any') c.groups.forEach(visit);
        if (c.kind === 'not') visit(c.group);
      }
    };
    for (const rule of rules) visit(rule.conditions);
    expect([...kinds].sort()).toEqual([...CONDITION_KEYS].sort());

    const actions = new Set<string>();
    for (const r of rules) {
      if (r.reply?.template) actions.add('reply.template');
      if (r.reply?.text) actions.add('reply.text');
      if (r.reply?.media.length) actions.add('reply.media');
      if (Object.keys(r.set).length) actions.add('set');
      if (r.state !== undefined) actions.add(r.state === null ? 'state: null' : 'state');
      if (r.tags.add.length) actions.add('tags.add');
      if (r.tags.remove.length) actions.add('tags.remove');
      if (r.schedule) actions.add('schedule');
    }
    expect([...actions].sort()).toEqual(
      [
        'reply.media',
        'reply.template',
        'reply.text',
        'schedule',
        'set',
        'state',
        'state: null',
        'tags.add',
        'tags.remove',
      ].sort(),
    );
  });

  it('are lint-clean with --strict', async () => {
    const { code, out } = await run(['rules', 'lint', '--strict']);
    expect(out).toEqual(['0 errors, 0 warnings']);
    expect(code).toBe(0);
  });
});

describe('replybot simulate', () => {
  it('models a new contact by default, so a first_message rule answers "hi"', async () => {
    const { code, out } = await run(['simulate', '--from', '+14155550123', 'hi']);
    expect(code).toBe(0);
    expect(out[0]).toBe('matched: welcome');
  });

  it('--messages N models a returning contact', async () => {
    const { out } = await run(['simulate', '--from', '+14155550123', '--messages', '3', 'hi']);
    expect(out[0]).toBe('matched: greeting');
  });

  it('sends to the first number the rules name, so a rule scoped to our number matches', async () => {
    const staff = ['simulate', '--from', '+14155550190', '--messages', '1', 'shift swap'];
    expect((await run(staff)).out[0]).toBe('matched: staff');
    // TWILIO_FROM names our number when it is set; the staff rule expects another one.
    expect((await run(staff, { TWILIO_FROM: '+14155550111' })).out[0]).toBe('matched: fallback');
    expect(
      (await run([...staff, '--to', '+14155550100'], { TWILIO_FROM: '+14155550111' })).out[0],
    ).toBe('matched: staff');
  });

  it('exits 2 for --messages that is not a whole number', async () => {
    const { code, err } = await run(['simulate', '--from', '+1415550123', '--messages', 'x', 'hi']);
    expect(code).toBe(2);
    expect(err[0]).toMatch(/--messages must be a whole number/);
  });

  it('prints the matched rule and the rendered reply', async () => {
    const { code, out } = await run(['simulate', '--from', '+14155550123', 'order 12345']);
    expect(code).toBe(0);
    expect(out[0]).toBe('matched: order-status');
    expect(out[1]).toMatch(/^reply: +.*12345/);
  });

  it('shows state, vars and the follow-up of a stateful rule', async () => {
    const from = ['simulate', '--from', '+14155550123', '--messages', '2'];
    expect((await run([...from, '--state', 'awaiting_name', 'Ada'])).out).toEqual(
      expect.arrayContaining([
        'matched: booking-name',
        'set:     {"name":"Ada"}',
        'state:   awaiting_confirmation',
      ]),
    );
    expect((await run([...from, '--state', 'awaiting_confirmation', 'OK'])).out).toEqual(
      expect.arrayContaining([
        'matched: confirm-booking',
        'state:   booked',
        'tags:    +[booked] -[new]',
        'follow-up at 2026-03-05T00:00:00.000Z: template follow-up',
      ]),
    );
  });

  it('says so for a compliance keyword', async () => {
    const { out } = await run(['simulate', '--from', '+14155550123', 'STOP']);
    expect(out).toEqual(['matched: (compliance: opt_out)', 'reply:   (none)']);
  });

  it('exits 2 with usage for a missing --from', async () => {
    const { code, err } = await run(['simulate', 'hi']);
    expect(code).toBe(2);
    expect(err[0]).toBe('replybot: simulate needs --from +E164');
  });
});

describe('replybot and the environment', () => {
  // config.ts reads an empty (or blank) variable as unset; the CLI must agree, or `TIMEZONE=` in a
  // shell or an .env file works for the server and breaks `replybot rules check`.
  it.each([
    ['TIMEZONE', ''],
    ['TIMEZONE', '  '],
    ['RULES_DIR', ''],
    ['TEMPLATES_DIR', ''],
  ])('reads %s=%j as unset, as the server does', async (name, value) => {
    const defaults = await run(['rules', 'check'], {
      RULES_DIR: './rules',
      TEMPLATES_DIR: './templates',
    });
    expect(defaults.code).toBe(0);
    const { code, out, err } = await run(['rules', 'check'], {
      RULES_DIR: './rules',
      TEMPLATES_DIR: './templates',
      [name]: value,
    });
    expect({ code, out, err }).toEqual(defaults);
  });
});

describe('replybot help', () => {
  it.each([['help'], ['--help'], ['-h']])(
    '`replybot %s` prints the usage and exits 0',
    async (arg) => {
      const { code, out, err } = await run([arg]);
      expect({ code, out, err }).toEqual({ code: 0, out: [USAGE], err: [] });
    },
  );
});
