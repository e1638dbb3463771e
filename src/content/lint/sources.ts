// Where things are written in the rule files, for findings that point at a value rather than a
// rule: the YAML is parsed again (it loaded without errors, so every node is where we expect).

import { isMap, isScalar, isSeq, type Node } from 'yaml';
import type { RuleFile } from '../../rules';
import { SourceFile } from '../../rules/schema/reader';

export interface Position {
  file: string;
  line: number;
  column: number;
}

/** One entry of a rules list as written. */
export interface RuleSource {
  id: string;
  src: SourceFile;
  node: Node;
}

/** A condition as written: `keyword: [...]`, `regex: '…'`, found anywhere under `when`. */
export interface WrittenCondition {
  key: string;
  value: Node;
  /** Inside a `not:` (what it names must NOT hold). */
  negated: boolean;
}

/** A scalar as written, with the file it is in. */
export interface WrittenText {
  src: SourceFile;
  node: Node;
  text: string;
}

export class RuleSources {
  readonly rules = new Map<string, RuleSource>();
  private readonly contents = new Map<SourceFile, string>();

  constructor(files: readonly RuleFile[]) {
    for (const file of files) {
      const src = SourceFile.parse(file);
      this.contents.set(src, file.content);
      const list = mapValue(src, src.doc?.contents as Node | null, 'rules');
      if (!isSeq(list)) continue;
      for (const item of list.items) {
        const node = src.resolve(item);
        const id = mapValue(src, node, 'id');
        if (node !== null && isScalar(id))
          this.rules.set(String(id.source ?? id.value), {
            id: String(id.source ?? id.value),
            src,
            node,
          });
      }
    }
  }

  /** Where a rule is, or where a value of it is (`when`, `reply.text`, …). */
  position(ruleId: string, node?: Node | null): Position | null {
    const rule = this.rules.get(ruleId);
    if (!rule) return null;
    return { file: rule.src.path, ...rule.src.position(node ?? rule.node) };
  }

  conditions(ruleId: string): WrittenCondition[] {
    const rule = this.rules.get(ruleId);
    if (!rule) return [];
    const out: WrittenCondition[] = [];
    const visit = (node: Node | null, negated: boolean): void => {
      if (!isMap(node)) return;
      for (const pair of node.items) {
        const key = pair.key as Node | null;
        const value = rule.src.resolve(pair.value);
        if (!isScalar(key) || value === null) continue;
        const name = String(key.value);
        if (name === 'any' && isSeq(value)) {
          for (const item of value.items) visit(rule.src.resolve(item), negated);
        } else if (name === 'not') {
          visit(value, !negated);
        } else {
          out.push({ key: name, value, negated });
        }
      }
    };
    visit(mapValue(rule.src, rule.node, 'when'), false);
    return out;
  }

  /**
   * Where the `occurrence`-th `needle` is inside a scalar as written: its own offset when it
   * appears literally, else the scalar's start (an escape such as "\u201c" in a quoted string).
   */
  positionIn(text: WrittenText, needle: string, occurrence: number): Position {
    const [start, end] = text.node.range ?? [0, 0];
    const source = (this.contents.get(text.src) ?? '').slice(start, end);
    let at = -1;
    for (let i = 0; i <= occurrence; i++) {
      at = source.indexOf(needle, at + 1);
      if (at === -1) break;
    }
    return { file: text.src.path, ...text.src.positionAt(at === -1 ? start : start + at) };
  }

  /** Inline texts a rule sends or stores: reply.text, schedule.text and `set` values. */
  inlineTexts(ruleId: string): WrittenText[] {
    const rule = this.rules.get(ruleId);
    if (!rule) return [];
    const { src, node } = rule;
    const texts: WrittenText[] = [];
    const add = (value: Node | null) => {
      if (isScalar(value) && typeof value.value === 'string')
        texts.push({ src, node: value, text: value.value });
    };
    add(mapValue(src, mapValue(src, node, 'reply'), 'text'));
    add(mapValue(src, mapValue(src, node, 'schedule'), 'text'));
    const set = mapValue(src, node, 'set');
    if (isMap(set)) for (const pair of set.items) add(src.resolve(pair.value));
    return texts;
  }
}

/** The value of `key` in a YAML mapping, or null. */
function mapValue(src: SourceFile, node: Node | null | undefined, key: string): Node | null {
  if (!isMap(node)) return null;
  for (const pair of node.items) {
    if (isScalar(pair.key) && pair.key.value === key) return src.resolve(pair.value);
  }
  return null;
}
