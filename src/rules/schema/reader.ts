// Reading a parsed YAML document into typed values while collecting positioned errors: every
// complaint points at the exact node (or key) an editor has to change.

import {
  Document,
  LineCounter,
  Scalar,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  parseDocument,
} from 'yaml';
import type { Node } from 'yaml';
import type { RuleFile, RuleLoadError } from '../types';

/** A key of a mapping with its value (`key:` alone gives a null scalar positioned at the key). */
export interface Field {
  name: string;
  key: Node;
  value: Node | null;
}

/** One rules file being read: its document, positions and the errors found so far. */
export class SourceFile {
  readonly errors: RuleLoadError[] = [];
  private constructor(
    readonly path: string,
    readonly doc: Document | null,
    private readonly lines: LineCounter,
  ) {}

  /** Parses; YAML syntax errors are recorded and leave `doc` null (nothing else is checked). */
  static parse(file: RuleFile): SourceFile {
    const lines = new LineCounter();
    const doc = parseDocument(file.content, { lineCounter: lines, prettyErrors: false });
    const source = new SourceFile(file.path, doc.errors.length === 0 ? doc : null, lines);
    for (const e of doc.errors) source.errorAt(e.pos[0], e.message);
    return source;
  }

  position(node: Node | null | undefined): { line: number; column: number } {
    const offset = node?.range?.[0] ?? 0;
    const { line, col } = this.lines.linePos(offset);
    return { line, column: col };
  }

  /** 1-based line and column of a character offset in the file. */
  positionAt(offset: number): { line: number; column: number } {
    const { line, col } = this.lines.linePos(offset);
    return { line, column: col };
  }

  errorAt(offset: number, message: string): void {
    this.errors.push({ file: this.path, ...this.positionAt(offset), message });
  }

  error(node: Node | null | undefined, message: string): void {
    this.errors.push({ file: this.path, ...this.position(node), message });
  }

  /** Follows `*alias` references so anchors behave like the node they name. */
  resolve(node: unknown): Node | null {
    if (node === null || node === undefined) return null;
    if (isAlias(node))
      return this.doc ? ((node.resolve(this.doc) as Node | undefined) ?? null) : null;
    return node as Node;
  }

  /**
   * A pair's value; an empty one (`key:` or `{key}`) becomes a null scalar placed at the key, so
   * "must be a string" points at the key rather than at the end of the line or the file's start.
   */
  private valueOf(key: Node, value: unknown): Node | null {
    const node = this.resolve(value);
    if (node !== null && !(isScalar(node) && node.value === null && node.source === ''))
      return node;
    const empty = new Scalar(null);
    empty.range = key.range;
    return empty;
  }

  /** Where to point for a field's problem. */
  at(field: Field): Node {
    return field.value ?? field.key;
  }

  /** YAML `key:` with nothing, or `key: null`/`~`. */
  isNull(node: Node | null): boolean {
    return node === null || (isScalar(node) && node.value === null);
  }

  /**
   * The keys of a mapping, checked against `allowed`. Unknown keys are errors at the key (with a
   * suggestion for a likely typo, or the `misplaced` hint for a key that belongs elsewhere).
   * Returns null when the node is not a mapping.
   */
  readMap(
    node: Node | null,
    where: string,
    allowed: readonly string[],
    misplaced: Readonly<Record<string, string>> = {},
  ): Map<string, Field> | null {
    if (!isMap(node)) {
      this.error(node, `${where} must be a mapping`);
      return null;
    }
    const fields = new Map<string, Field>();
    for (const pair of node.items) {
      const key = pair.key as Node | null;
      if (!isScalar(key) || typeof key.value !== 'string') {
        this.error(key, `keys in ${where} must be plain names`);
        continue;
      }
      if (!allowed.includes(key.value)) {
        const hint = Object.hasOwn(misplaced, key.value)
          ? ` (${misplaced[key.value]})`
          : suggestion(key.value, allowed);
        this.error(key, `unknown key "${key.value}" in ${where}${hint}`);
        continue;
      }
      fields.set(key.value, { name: key.value, key, value: this.valueOf(key, pair.value) });
    }
    return fields;
  }

  /** A string (numbers are taken as written, so `id: 01` stays "01"). */
  text(node: Node | null, what: string): string | undefined {
    if (isScalar(node) && typeof node.value === 'string') return node.value;
    if (isScalar(node) && typeof node.value === 'number') return node.source ?? String(node.value);
    this.error(node, `${what} must be a string`);
    return undefined;
  }

  /** One string or a list of strings, at least one; each with its node for precise errors. */
  textItems(node: Node | null, what: string): { value: string; node: Node }[] | undefined {
    if (!isSeq(node)) {
      if (isScalar(node) && node.value !== null && typeof node.value !== 'boolean') {
        const value = this.text(node, what);
        return value === undefined ? undefined : [{ value, node }];
      }
      this.error(node, `${what} must be a string or a list of strings`);
      return undefined;
    }
    const items: { value: string; node: Node }[] = [];
    let ok = true;
    for (const raw of node.items) {
      const item = this.resolve(raw);
      const value = this.text(item, `each item of ${what}`);
      if (value === undefined || item === null) ok = false;
      else items.push({ value, node: item });
    }
    if (!ok) return undefined;
    if (items.length === 0) {
      this.error(node, `${what} must list at least one value`);
      return undefined;
    }
    return items;
  }

  textList(node: Node | null, what: string): string[] | undefined {
    return this.textItems(node, what)?.map((item) => item.value);
  }

  /** `key:`, `key: null` or `key: []`: an explicitly empty list. */
  isEmptyList(node: Node | null): boolean {
    return this.isNull(node) || (isSeq(node) && node.items.length === 0);
  }

  /** A list of strings, possibly empty (examples, tags). */
  list(node: Node | null, what: string): string[] | undefined {
    return this.isEmptyList(node) ? [] : this.textList(node, what);
  }

  bool(node: Node | null, what: string): boolean | undefined {
    if (isScalar(node) && typeof node.value === 'boolean') return node.value;
    this.error(node, `${what} must be true or false`);
    return undefined;
  }

  number(node: Node | null, what: string): number | undefined {
    if (isScalar(node) && typeof node.value === 'number' && Number.isFinite(node.value)) {
      return node.value;
    }
    this.error(node, `${what} must be a number`);
    return undefined;
  }
}

/** ` (did you mean "keyword"?)` for a key one or two edits away from an allowed one. */
function suggestion(key: string, allowed: readonly string[]): string {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of allowed) {
    const d = editDistance(key.toLowerCase(), candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best === undefined
    ? `; expected one of: ${allowed.join(', ')}`
    : ` (did you mean "${best}"?)`;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
    }
    prev = cur;
  }
  return prev[b.length];
}
