// Server modules the console runs in the browser too, served as ES modules from their one source.
import { readFileSync } from 'node:fs';
import type { RequestHandler } from 'express';

/**
 * The console's URL of each shared module → the module, resolved as the server loads it. A
 * module listed here must import nothing: it runs in the browser as it is.
 */
const SHARED: Record<string, string> = {
  // Segments while typing (send box, schedule form, simulator), counted as the server counts them.
  'segments.js': require.resolve('../../outbound/segments'),
};

/**
 * The module's code as an ES module. The compiled server (dist/) loads a CommonJS file, which is
 * wrapped as it is; from the sources (tsx, jest) the .ts file is compiled to the same CommonJS by
 * TypeScript, a development dependency, which is installed whenever the sources run.
 */
export async function asBrowserModule(file: string): Promise<string> {
  let commonJs = readFileSync(file, 'utf8');
  if (file.endsWith('.ts')) {
    const ts = await import('typescript');
    commonJs = ts.transpileModule(commonJs, {
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
    }).outputText;
  }
  const names = Object.keys(require(file) as object).filter((name) => name !== '__esModule');
  return [
    // In a scope of its own: its top-level names would clash with the names exported.
    'const exports = {};',
    '(function (exports) {',
    // The source map comment would send the browser after a file the console does not serve.
    commonJs.replace(/^\/\/# sourceMappingURL=.*$/m, ''),
    '})(exports);',
    `export const { ${names.join(', ')} } = exports;`,
    '',
  ].join('\n');
}

/** Answers GET /console/assets/js/<name> for the shared modules; anything else goes on. */
export function sharedBrowserModules(): RequestHandler {
  const built = new Map<string, Promise<string>>();
  return (req, res, next) => {
    const name = req.path.slice(1);
    if ((req.method !== 'GET' && req.method !== 'HEAD') || !Object.hasOwn(SHARED, name)) {
      return next();
    }
    const file = SHARED[name];
    let code = built.get(file);
    if (!code) {
      code = asBrowserModule(file);
      built.set(file, code);
    }
    code.then(
      (text) => {
        res.type('text/javascript').set('Cache-Control', 'no-cache').send(text);
      },
      (err: unknown) => next(err),
    );
  };
}
