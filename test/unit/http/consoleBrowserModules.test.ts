// The console's segment meter runs src/outbound/segments.ts itself: served from the sources (tsx,
// jest) and from the compiled server (dist/), it is the server's module, as an ES module.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { asBrowserModule } from '../../../src/http/console/browserModules';
import { countSegments, nonGsmCharacters } from '../../../src/outbound/segments';
import { ROOT } from '../../support/process';
import { tempDataDir } from '../../support/config';

const BODIES = ['', 'hello', 'a'.repeat(161), '€'.repeat(81), 'café “ça” ☕', '😀'.repeat(36)];

/** Runs `module` as an ES module in a fresh Node and returns what it counts for BODIES. */
function runAsEsModule(module: string): unknown {
  const probe = `${module}\nconsole.log(JSON.stringify(${JSON.stringify(BODIES)}.map((b) => [countSegments(b), nonGsmCharacters(b)])));`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', probe], {
    encoding: 'utf8',
  });
  return JSON.parse(out);
}

const expected = BODIES.map((b) => [countSegments(b), nonGsmCharacters(b)]);
const source = path.join(ROOT, 'src/outbound/segments.ts');

describe('the console’s copy of the segment counter', () => {
  it('is src/outbound/segments.ts as an ES module, from the sources', async () => {
    expect(runAsEsModule(await asBrowserModule(source))).toEqual(expected);
  });

  it('is the compiled segments.js as an ES module, from dist/, without its source map comment', async () => {
    // What `npm run build` writes for it (tsconfig.json's options; isolatedModules, so per file).
    const { config } = ts.readConfigFile(path.join(ROOT, 'tsconfig.json'), ts.sys.readFile);
    const { options } = ts.parseJsonConfigFileContent(config, ts.sys, ROOT);
    const compiled = ts.transpileModule(readFileSync(source, 'utf8'), {
      compilerOptions: options,
      fileName: 'segments.ts',
    });
    expect(compiled.outputText).toContain('sourceMappingURL');
    const outDir = tempDataDir('dist');
    writeFileSync(path.join(outDir, 'segments.js'), compiled.outputText);
    const module = await asBrowserModule(path.join(outDir, 'segments.js'));
    expect(module).not.toContain('sourceMappingURL');
    expect(runAsEsModule(module)).toEqual(expected);
  });
});
