// Whether one rule's conditions imply another's: the proof behind `shadowed-rule`. Sound but not
// complete: "true" means every message and thread that satisfies the group satisfies the
// condition too; "false" may also mean "cannot tell" (regexes are compared as text, for one).

import type { Condition, PhonePattern } from '../../rules/conditions';
import { stripEdges, wordsOf } from '../../rules/normalize';

/** True when every message satisfying all of `group` (an AND) satisfies `c`. */
export function groupImplies(group: readonly Condition[], c: Condition): boolean {
  // An OR to prove: one branch that follows whole is enough.
  if (c.kind === 'any' && c.groups.some((b) => b.every((bc) => groupImplies(group, bc)))) {
    return true;
  }
  if (group.some((g) => implies(g, c))) return true;
  // An OR among the premises: c follows if it follows from each branch with the rest. Each step
  // replaces one OR by one of its branches, so this ends.
  const or = group.find((g) => g.kind === 'any');
  if (or === undefined) return false;
  const rest = group.filter((g) => g !== or);
  return or.groups.every((branch) => groupImplies([...rest, ...branch], c));
}

/** One condition implies another. */
function implies(g: Condition, c: Condition): boolean {
  switch (c.kind) {
    case 'keyword':
      if (g.kind === 'keyword') return g.values.every((v) => c.values.includes(v));
      if (g.kind === 'equals') return g.values.every((v) => c.values.includes(wordsOf(v)[0] ?? ''));
      if (g.kind === 'starts_with')
        return g.prefixes.every((p) => c.values.includes(firstWordOf(p) ?? ''));
      return false;
    case 'equals':
      return g.kind === 'equals' && g.values.every((v) => c.values.includes(v));
    case 'contains':
      return (
        c.phrases.length > 0 && impliesPhrase(g, (words) => c.phrases.some((p) => holds(words, p)))
      );
    case 'contains_all':
      return c.phrases.every((p) => impliesPhrase(g, (words) => holds(words, p)));
    case 'starts_with':
      if (g.kind === 'starts_with')
        return g.prefixes.every((p) => c.prefixes.some((q) => p.startsWith(q)));
      if (g.kind === 'equals')
        return g.values.every((v) => c.prefixes.some((q) => v.startsWith(q)));
      return false;
    case 'regex':
      return (
        g.kind === 'regex' && g.regex.source === c.regex.source && g.regex.flags === c.regex.flags
      );
    case 'number':
      return (
        g.kind === 'number' &&
        (c.min === undefined || (g.min !== undefined && g.min >= c.min)) &&
        (c.max === undefined || (g.max !== undefined && g.max <= c.max))
      );
    case 'from':
    case 'to':
      return g.kind === c.kind && g.patterns.every((p) => c.patterns.some((q) => covers(q, p)));
    case 'state':
      return g.kind === 'state' && g.value === c.value;
    case 'first_message':
    case 'has_media':
      return g.kind === c.kind && g.value === c.value;
    case 'time': {
      if (g.kind !== 'time' || g.window.timezone !== c.window.timezone) return false;
      const days =
        c.window.days === null ||
        (g.window.days !== null && [...g.window.days].every((d) => c.window.days!.has(d)));
      const between =
        c.window.between === null ||
        (g.window.between !== null &&
          g.window.between.start === c.window.between.start &&
          g.window.between.end === c.window.between.end);
      return days && between;
    }
    case 'any':
      return false; // handled by groupImplies
    case 'not':
      return g.kind === 'not' && key(g.group) === key(c.group);
  }
}

/**
 * Whether every message satisfying `g` holds words that pass `test` (a contains check): `g`'s
 * own words are the ones a message certainly has.
 */
function impliesPhrase(g: Condition, test: (words: string[]) => boolean): boolean {
  switch (g.kind) {
    case 'keyword':
      return g.values.every((v) => test([v]));
    case 'equals':
      return g.values.every((v) => test(wordsOf(v)));
    case 'contains':
      return g.phrases.every((p) => test(p));
    case 'contains_all':
      return g.phrases.some((p) => test(p));
    case 'starts_with':
      return g.prefixes.every((p) => test(completeWords(p)));
    default:
      return false;
  }
}

/** `phrase` appears, as whole consecutive words, in `words`. */
function holds(words: string[], phrase: string[]): boolean {
  return ` ${words.join(' ')} `.includes(` ${phrase.join(' ')} `);
}

/** The words of a prefix that a message starting with it certainly has ("book a t" → book, a). */
function completeWords(prefix: string): string[] {
  const tokens = prefix.split(' ');
  if (!prefix.endsWith(' ')) tokens.pop();
  return wordsOf(tokens.join(' '));
}

function firstWordOf(prefix: string): string | undefined {
  const space = prefix.indexOf(' ');
  if (space === -1) return undefined;
  const word = stripEdges(prefix.slice(0, space));
  return wordsOf(word).length === 1 ? word : undefined;
}

/** A sender pattern `q` covers `p` when every number `p` matches, `q` matches too. */
function covers(q: PhonePattern, p: PhonePattern): boolean {
  if (!q.prefix) return !p.prefix && p.value === q.value;
  return p.value.startsWith(q.value);
}

/** A structural key for comparing condition groups (sets and regexes made comparable). */
function key(group: readonly Condition[]): string {
  return JSON.stringify(group, (_k, v: unknown) =>
    v instanceof Set
      ? [...(v as Set<unknown>)].sort()
      : v instanceof RegExp
        ? `/${v.source}/${v.flags}`
        : v,
  );
}
