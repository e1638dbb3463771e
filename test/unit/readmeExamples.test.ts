// The README's curl examples stay valid: each names an operation of the route table and passes its
// schemas (path, query, body), with its shell expansions (the one-off's `$(date …)`) done by bash.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import { OPERATIONS } from '../../src/http/routes';

const README = readFileSync(path.resolve(__dirname, '../../README.md'), 'utf8');

/** An id as the API writes them, for the README's MESSAGE_ID and SCHEDULE_ID. */
const SAMPLE_ID = '65f1c0ffee0123456789abcd';

interface CurlExample {
  command: string;
  method: string;
  url: URL;
  body: string | null;
}

/** Splits a command line as the shell would: words, with '…' and "…" quoting (no expansion). */
function shellWords(line: string): string[] {
  const words: string[] = [];
  const word = /'([^']*)'|"((?:[^"\\]|\\.)*)"|(\S+)/g;
  let current = '';
  let last = -1;
  for (const m of line.matchAll(word)) {
    const piece = m[1] ?? m[2] ?? m[3];
    // Quoted and unquoted pieces with no space between them are one word.
    if (m.index === last) current += piece;
    else {
      if (last !== -1) words.push(current);
      current = piece;
    }
    last = m.index + m[0].length;
  }
  if (last !== -1) words.push(current);
  return words;
}

/** Every curl command of the README's sh blocks, with its here-document expanded by bash. */
function curlExamples(): CurlExample[] {
  const examples: CurlExample[] = [];
  for (const block of README.matchAll(/```sh\n([\s\S]*?)```/g)) {
    const lines = block[1].replace(/\\\n\s*/g, '').split('\n');
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i].replace(/\s+#.*$/, '');
      if (!line.startsWith('curl ')) continue;
      let body: string | null = null;
      let command = line;
      const heredoc = /\s<<(\w+)$/.exec(line);
      if (heredoc) {
        const end = lines.indexOf(heredoc[1], i + 1);
        const document = lines.slice(i + 1, end).join('\n');
        body = execFileSync('bash', ['-c', `cat <<${heredoc[1]}\n${document}\n${heredoc[1]}`], {
          encoding: 'utf8',
        });
        command = line.slice(0, heredoc.index);
        i = end;
      }
      const words = shellWords(command);
      const data = words.indexOf('-d');
      if (data !== -1 && words[data + 1] !== '@-') body = words[data + 1];
      const explicit = words.indexOf('-X');
      const method = explicit !== -1 ? words[explicit + 1] : body !== null ? 'POST' : 'GET';
      const url = words.find((w) => w.startsWith('http://localhost:3000/'));
      if (!url) throw new Error(`no URL in README example: ${line}`);
      examples.push({ command: line, method, url: new URL(url), body });
    }
  }
  return examples;
}

function pathPattern(template: string): RegExp {
  const source = template
    .replace(/[.*+?^$()|[\]\\]/g, '\\$&')
    .replace(/\\?\{(\w+)\\?\}/g, '(?<$1>[^/]+)');
  return new RegExp(`^${source}$`);
}

function problems(schema: unknown, value: unknown): string[] {
  const result = (schema as z.ZodTypeAny).safeParse(value);
  return result.success
    ? []
    : result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
}

const examples = curlExamples();

describe("the README's curl examples", () => {
  it('are found: sends, schedules, threads and rules among them', () => {
    const paths = examples.map((e) => `${e.method} ${e.url.pathname}`);
    expect(paths).toEqual(
      expect.arrayContaining([
        'POST /api/messages',
        'POST /api/send-sms',
        'POST /api/schedules',
        'PATCH /api/schedules/SCHEDULE_ID',
        'GET /api/threads',
        'GET /api/rules/stats',
      ]),
    );
  });

  it.each(examples.map((e) => [`${e.method} ${e.url.pathname}${e.url.search}`, e]))(
    '%s names an operation and passes its schemas',
    (_name, example) => {
      const { method, url, body } = example as CurlExample;
      const pathname = decodeURIComponent(url.pathname)
        .replace('MESSAGE_ID', SAMPLE_ID)
        .replace('SCHEDULE_ID', SAMPLE_ID);
      const matches = OPERATIONS.map((op) => ({
        op,
        m: pathPattern(op.path).exec(pathname),
      })).filter(({ op, m }) => m !== null && op.method === method.toLowerCase());
      expect(matches.map(({ op }) => `${op.method} ${op.path}`)).toHaveLength(1);
      const [{ op, m }] = matches;

      const found: string[] = [];
      if (op.params) found.push(...problems(op.params, { ...m!.groups }));
      if (op.query) found.push(...problems(op.query, Object.fromEntries(url.searchParams)));
      if (body !== null) {
        expect(op.body?.type).toBe('application/json');
        found.push(...problems(op.body!.schema, JSON.parse(body)));
      }
      expect(found).toEqual([]);
    },
  );

  it('schedule their one-off in the future, whenever the README is read', () => {
    const oneOff = examples.find((e) => e.body?.includes('sendAt'));
    const sendAt = new Date((JSON.parse(oneOff!.body!) as { sendAt: string }).sendAt);
    expect(sendAt.getTime()).toBeGreaterThan(Date.now());
  });
});
