// Turns one template source into a compiled template, or into a problem positioned for an editor.
import Handlebars from 'handlebars';
import type { CompiledTemplate, TemplateEnvironment } from './environment';

/** A problem in one source, 1-based line and column. */
export interface SourceProblem {
  line: number;
  column: number;
  message: string;
}

/** A `{{> name}}` that must resolve to a partial file; positions are 1-based. */
export interface PartialReference {
  name: string;
  line: number;
  column: number;
}

export type CompileResult =
  | { ok: true; template: CompiledTemplate; partials: PartialReference[] }
  | { ok: false; problem: SourceProblem };

export function compileSource(env: TemplateEnvironment, source: string): CompileResult {
  let ast: hbs.AST.Program;
  try {
    ast = env.parse(source);
  } catch (err) {
    return { ok: false, problem: positionParseError(err) };
  }
  try {
    const template = env.compile(ast);
    return { ok: true, template, partials: findPartialReferences(ast) };
  } catch (err) {
    return { ok: false, problem: positionCompileError(env, err) };
  }
}

// The jison parser behind Handlebars reports "Parse error on line N:" (or "Lexical error on line
// N.") in its message and drops the column; its lexer still holds the offending token's location.
const PARSE_ERROR_LINE = /(?:Parse|Lexical) error on line (\d+)/;

interface ParserInternals {
  Parser?: { lexer?: { yylloc?: { first_line?: number; first_column?: number } } };
}

function positionParseError(err: unknown): SourceProblem {
  const located = locatedException(err);
  if (located) {
    const mismatch = /^(\S+) doesn't match (\S+)$/.exec(located.message);
    if (mismatch) located.message = `{{/${mismatch[2]}}} does not close {{#${mismatch[1]}}}`;
    return located;
  }
  const message = err instanceof Error ? err.message : String(err);
  const lineMatch = PARSE_ERROR_LINE.exec(message);
  const line = lineMatch ? Number(lineMatch[1]) : 1;
  // The same parser object serves every environment and parsing is synchronous, so the lexer
  // state read right after the throw belongs to this source.
  const lexerLoc = (Handlebars as unknown as ParserInternals).Parser?.lexer?.yylloc;
  const column =
    lexerLoc?.first_line === line && typeof lexerLoc.first_column === 'number'
      ? lexerLoc.first_column + 1
      : 1;
  return { line, column, message: describeParseError(message) };
}

// Jison's token names, as an editor would recognise them.
const TOKEN_TEXT: Record<string, string> = {
  EOF: 'end of template (is a {{/block}} missing?)',
  INVALID: 'text that is not valid inside {{ }}',
  CLOSE: '"}}"',
  CLOSE_UNESCAPED: '"}}}"',
  CLOSE_RAW_BLOCK: '"}}}}"',
  CLOSE_SEXPR: '")"',
  OPEN_SEXPR: '"("',
  OPEN: '"{{"',
  OPEN_BLOCK: '"{{#"',
  OPEN_ENDBLOCK: '"{{/"',
  OPEN_INVERSE: '"{{^"',
  OPEN_INVERSE_CHAIN: '"{{else"',
  INVERSE: '"{{else}}"',
  OPEN_PARTIAL: '"{{>"',
  OPEN_BLOCK_PARAMS: '"as |"',
  CLOSE_BLOCK_PARAMS: '"|"',
  EQUALS: '"="',
  SEP: '"." or "/"',
  ID: 'a name',
  STRING: 'a string',
  NUMBER: 'a number',
  DATA: 'an @name',
};

/**
 * Jison's message is "Parse error on line 3:\n<excerpt>\n---^\nExpecting 'ID', …, got 'CLOSE'".
 * The excerpt is useless once we give line and column, and the expected list is long and in
 * grammar terms; say what was found instead.
 */
function describeParseError(message: string): string {
  const got = /got '([A-Z_]+)'/.exec(message);
  if (got) return `syntax error: unexpected ${TOKEN_TEXT[got[1]] ?? got[1]}`;
  if (message.startsWith('Lexical error')) {
    return 'syntax error: unrecognised text (an unclosed {{!-- comment --}}?)';
  }
  return message.split('\n')[0];
}

function positionCompileError(env: TemplateEnvironment, err: unknown): SourceProblem {
  const located = locatedException(err);
  const problem = located ?? {
    line: 1,
    column: 1,
    message: err instanceof Error ? err.message : String(err),
  };
  const unknownHelper = /unknown helper (\S+)/.exec(problem.message);
  if (unknownHelper) {
    const known = [...env.helperNames].sort().join(', ');
    problem.message = `unknown helper "${unknownHelper[1]}" (known helpers: ${known})`;
  }
  return problem;
}

/** Handlebars' own Exception carries lineNumber (1-based) and column (0-based). */
function locatedException(err: unknown): SourceProblem | null {
  if (!(err instanceof Error)) return null;
  const { lineNumber, column } = err as Error & { lineNumber?: unknown; column?: unknown };
  if (typeof lineNumber !== 'number') return null;
  return {
    line: lineNumber,
    column: typeof column === 'number' ? column + 1 : 1,
    // Handlebars appends " - line:column" to the message; we report the position separately.
    message: err.message.replace(/ - \d+:\d+$/, ''),
  };
}

/**
 * Static `{{> name}}` references. Left out: dynamic partials (`{{> (lookup …)}}`), which can only
 * be resolved at render time; `{{#> name}}fallback{{/name}}`, which renders its block when the
 * partial is missing; `@partial-block`; and names the template defines itself with `{{#*inline}}`.
 */
export function findPartialReferences(ast: hbs.AST.Program): PartialReference[] {
  const references: PartialReference[] = [];
  const inline = new Set<string>();

  class PartialFinder extends Handlebars.Visitor {
    override PartialStatement(partial: hbs.AST.PartialStatement): void {
      const name = staticPartialName(partial.name);
      if (name !== null) {
        references.push({
          name,
          line: partial.loc.start.line,
          column: partial.loc.start.column + 1,
        });
      }
      super.PartialStatement(partial);
    }

    override DecoratorBlock(decorator: hbs.AST.DecoratorBlock): void {
      const [first] = decorator.params;
      if (decorator.path.original === 'inline' && first?.type === 'StringLiteral') {
        inline.add((first as hbs.AST.StringLiteral).value);
      }
      super.DecoratorBlock(decorator);
    }
  }

  new PartialFinder().accept(ast);
  return references.filter((reference) => !inline.has(reference.name));
}

function staticPartialName(name: hbs.AST.PathExpression | hbs.AST.SubExpression): string | null {
  const node = name as hbs.AST.Node & { original?: unknown; data?: boolean };
  if (node.type === 'SubExpression' || node.data === true) return null;
  return node.original === undefined ? null : String(node.original);
}
