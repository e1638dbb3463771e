import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readRuleFiles } from '../../../src/rules';

let root: string;
let dir: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'replybot-rules-'));
  dir = path.join(root, 'rules');
  await mkdir(path.join(dir, 'archive'), { recursive: true });
  const files: Record<string, string> = {
    '20-promo.yml': 'rules: []\n',
    '10-hours.yaml': 'rules:\n  - id: hours\n',
    'B-upper.YAML': '',
    'a-lower.yaml': '',
    '.10-hours.yaml.swp.yaml': 'not a rules file',
    'README.md': '# not rules',
    'archive/old.yaml': 'rules: []\n',
  };
  for (const [name, content] of Object.entries(files))
    await writeFile(path.join(dir, name), content);
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

test('reads the top-level yaml files sorted by name, paths relative to the given folder', async () => {
  const files = await readRuleFiles(dir, { relativeTo: root });
  expect(files.map((f) => f.path)).toEqual([
    'rules/10-hours.yaml',
    'rules/20-promo.yml',
    'rules/B-upper.YAML',
    'rules/a-lower.yaml',
  ]);
  expect(files[0].content).toBe('rules:\n  - id: hours\n');
});

test('reads sub-folders when asked', async () => {
  const files = await readRuleFiles(dir, { relativeTo: root, recursive: true });
  expect(files.map((f) => f.path)).toContain('rules/archive/old.yaml');
});

test('shows an absolute path for a folder outside the base', async () => {
  const files = await readRuleFiles(dir, { relativeTo: path.join(root, 'elsewhere', 'deeper') });
  expect(files[0].path).toBe(path.join(dir, '10-hours.yaml').split(path.sep).join('/'));
});

test('a missing folder rejects with ENOENT', async () => {
  await expect(readRuleFiles(path.join(root, 'missing'))).rejects.toMatchObject({ code: 'ENOENT' });
});
