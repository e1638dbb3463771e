// One isolated Handlebars environment with our helpers and the compile options every template shares.
import Handlebars from 'handlebars';
import { createHelpers } from './helpers';

export interface TemplateEnvironmentOptions {
  /** IANA zone `{{date}}` uses when the template names none (the TIMEZONE setting). */
  defaultTimezone: string;
}

export type CompiledTemplate = Handlebars.TemplateDelegate;

export interface TemplateEnvironment {
  readonly defaultTimezone: string;
  /** Our helpers plus Handlebars' built-ins (if, unless, each, with, lookup, log). */
  readonly helperNames: ReadonlySet<string>;
  /** Throws Handlebars' own parse error (positioned by compile.ts). */
  parse(source: string): hbs.AST.Program;
  /** Compiles now rather than on first render, so every error surfaces at load time. */
  compile(ast: hbs.AST.Program): CompiledTemplate;
  registerPartial(name: string, template: CompiledTemplate): void;
}

const BUILT_IN_HELPERS = ['if', 'unless', 'each', 'with', 'lookup', 'log'];

// The parts of the Handlebars environment that `Handlebars.compile` itself uses but that the
// type definitions leave out; see compileInput in handlebars/lib/handlebars/compiler/compiler.js.
interface CompilerInternals {
  Compiler: new () => { compile(ast: hbs.AST.Program, options: CompileOptions): unknown };
  JavaScriptCompiler: new () => {
    compile(env: unknown, options: CompileOptions, context: undefined, asObject: true): object;
  };
}

/**
 * A fresh environment, separate from the global Handlebars instance and from every other store,
 * so a reload can build new partials without touching the templates in force.
 */
export function createTemplateEnvironment(
  options: TemplateEnvironmentOptions,
): TemplateEnvironment {
  const handlebars = Handlebars.create();
  const helpers = createHelpers({ defaultTimezone: options.defaultTimezone });
  for (const [name, helper] of Object.entries(helpers)) handlebars.registerHelper(name, helper);
  const internals = handlebars as unknown as CompilerInternals;

  const compileOptions = (): CompileOptions => ({
    // Replies are SMS text, not HTML; XML escaping happens once, when the TwiML is built.
    noEscape: true,
    // A missing value renders as "", as editors expect of `{{vars.name}}` for a new contact.
    strict: false,
    // Calling a helper that does not exist is a load error, not a reply that fails at 3 a.m.
    knownHelpers: Object.fromEntries(Object.keys(helpers).map((name) => [name, true])),
    knownHelpersOnly: true,
    data: true,
  });

  return {
    defaultTimezone: options.defaultTimezone,
    helperNames: new Set([...Object.keys(helpers), ...BUILT_IN_HELPERS]),
    parse: (source) => handlebars.parse(source),
    compile(ast) {
      // The compiler mutates its options object (it merges in the built-in helpers): a fresh one each time.
      const opts = compileOptions();
      const environment = new internals.Compiler().compile(ast, opts);
      const spec = new internals.JavaScriptCompiler().compile(environment, opts, undefined, true);
      return handlebars.template(spec);
    },
    registerPartial: (name, template) => handlebars.registerPartial(name, template),
  };
}
