// What `replybot rules lint` reports: one finding per problem, positioned for an editor.

export type Severity = 'error' | 'warning';

export type LintCode =
  | 'shadowed-rule'
  | 'unreachable'
  | 'compliance-keyword'
  | 'no-fallback'
  | 'unsafe-regex'
  | 'unused-template'
  | 'untested-rule'
  | 'ucs2-character'
  | 'segment-budget';

export interface Finding {
  file: string;
  line: number;
  column: number;
  severity: Severity;
  code: LintCode;
  message: string;
}

/** `file:line:column severity code message`, as the CLI prints it. */
export function formatFinding(f: Finding): string {
  return `${f.file}:${f.line}:${f.column} ${f.severity} ${f.code} ${f.message}`;
}

export function byPosition(a: Finding, b: Finding): number {
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  return a.line - b.line || a.column - b.column || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0);
}
