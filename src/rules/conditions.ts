// Compiled `when` conditions and how each is checked against one message and thread.

import type { NormalizedBody } from './normalize';
import type { InboundForMatching, ThreadSnapshot } from './types';

/** A sender/recipient pattern: exact number, or a prefix when written with a trailing `*`. */
export interface PhonePattern {
  value: string;
  prefix: boolean;
}

export interface TimeWindow {
  /** Weekdays 0 (Sunday) … 6 (Saturday); null = every day. */
  days: ReadonlySet<number> | null;
  /** Minutes since local midnight; start inclusive, end exclusive; null = all day. */
  between: { start: number; end: number } | null;
  timezone: string;
}

export type Condition =
  | { kind: 'keyword'; values: string[] }
  | { kind: 'equals'; values: string[] }
  | { kind: 'contains'; phrases: string[][] }
  | { kind: 'contains_all'; phrases: string[][] }
  | { kind: 'starts_with'; prefixes: string[] }
  | { kind: 'regex'; regex: RegExp }
  | { kind: 'number'; min?: number; max?: number }
  | { kind: 'from'; patterns: PhonePattern[] }
  | { kind: 'to'; patterns: PhonePattern[] }
  | { kind: 'state'; value: string | null }
  | { kind: 'first_message'; value: boolean }
  | { kind: 'has_media'; value: boolean }
  | { kind: 'time'; window: TimeWindow }
  /** OR over condition groups; each group is an AND like a `when`. */
  | { kind: 'any'; groups: Condition[][] }
  /** NOT of one condition group. */
  | { kind: 'not'; group: Condition[] };

export type ConditionKind = Condition['kind'];

/** Evaluates time conditions; replaceable so `rules test` can pick a moment (see examples.ts). */
export type LocalTimeFn = (timezone: string) => { weekday: number; minutes: number };

export interface MatchContext {
  message: InboundForMatching;
  thread: ThreadSnapshot;
  body: NormalizedBody;
  localTime: LocalTimeFn;
}

/** Checks every condition of a group; captures of the conditions that held go into `match`. */
export function allHold(
  group: Condition[],
  ctx: MatchContext,
  match: Record<string, string>,
): boolean {
  for (const condition of group) {
    if (!holds(condition, ctx, match)) return false;
  }
  return true;
}

function holds(c: Condition, ctx: MatchContext, match: Record<string, string>): boolean {
  const { body } = ctx;
  switch (c.kind) {
    case 'keyword': {
      const first = body.words[0];
      if (first === undefined || !c.values.includes(first)) return false;
      match.keyword = first;
      return true;
    }
    case 'equals':
      return c.values.includes(body.text);
    case 'contains':
      return c.phrases.some((p) => containsPhrase(body, p));
    case 'contains_all':
      return c.phrases.every((p) => containsPhrase(body, p));
    case 'starts_with':
      return c.prefixes.some((p) => body.text.startsWith(p));
    case 'regex':
      return matchRegex(c.regex, body, match);
    case 'number':
      return matchNumber(c.min, c.max, body.collapsed, match);
    case 'from':
      return matchPhone(c.patterns, ctx.message.from);
    case 'to':
      return matchPhone(c.patterns, ctx.message.to);
    case 'state':
      return (ctx.thread.state ?? null) === c.value;
    case 'first_message':
      return (ctx.thread.messageCount === 0) === c.value;
    case 'has_media': {
      const hasMedia = (ctx.message.media?.length ?? 0) > 0;
      return hasMedia === c.value;
    }
    case 'time':
      return inWindow(c.window, ctx.localTime);
    case 'any':
      for (const group of c.groups) {
        const captured: Record<string, string> = {};
        if (allHold(group, ctx, captured)) {
          Object.assign(match, captured);
          return true;
        }
      }
      return false;
    case 'not':
      // Captures inside a negation describe what did NOT happen, so they are dropped.
      return !allHold(c.group, ctx, {});
  }
}

function containsPhrase(body: NormalizedBody, phrase: string[]): boolean {
  if (phrase.length === 1) return body.words.includes(phrase[0]);
  return body.spacedWords.includes(` ${phrase.join(' ')} `);
}

/**
 * Tries the message as written, then without surrounding punctuation, so `^order (\d+)$` matches
 * "Order 1234." while `\?$` can still see a question mark.
 */
function matchRegex(regex: RegExp, body: NormalizedBody, match: Record<string, string>): boolean {
  let m = regex.exec(body.collapsed);
  if (m === null && body.collapsedStripped !== body.collapsed)
    m = regex.exec(body.collapsedStripped);
  if (m === null) return false;
  for (const [name, value] of Object.entries(m.groups ?? {})) {
    if (value !== undefined) match[name] = value;
  }
  return true;
}

// A number standing on its own: not part of a word ("4th", "abc123") and not a version's tail.
const NUMBER = /(?<![\p{L}\p{N}_.])[-+]?\d+(?:\.\d+)?(?![\p{L}\p{N}_]|\.\d)/gu;

/** The first number in the message within [min, max] wins; its text becomes `match.number`. */
function matchNumber(
  min: number | undefined,
  max: number | undefined,
  text: string,
  match: Record<string, string>,
): boolean {
  for (const m of text.matchAll(NUMBER)) {
    const n = Number(m[0]);
    if (!Number.isFinite(n)) continue;
    if ((min === undefined || n >= min) && (max === undefined || n <= max)) {
      match.number = m[0].startsWith('+') ? m[0].slice(1) : m[0];
      return true;
    }
  }
  return false;
}

function matchPhone(patterns: PhonePattern[], phone: string): boolean {
  if (typeof phone !== 'string') return false;
  return patterns.some((p) => (p.prefix ? phone.startsWith(p.value) : phone === p.value));
}

/**
 * A window that wraps midnight ("22:00-02:00") belongs to the day it starts on: with days: fri,
 * Saturday 01:00 is inside (Friday night) and Friday 01:00 is not.
 */
function inWindow(w: TimeWindow, localTime: LocalTimeFn): boolean {
  const { weekday, minutes } = localTime(w.timezone);
  if (w.between === null) return w.days === null || w.days.has(weekday);
  const { start, end } = w.between;
  let day = weekday;
  if (start < end) {
    if (minutes < start || minutes >= end) return false;
  } else if (minutes >= start) {
    // evening part: belongs to today
  } else if (minutes < end) {
    day = (weekday + 6) % 7; // early-morning part: belongs to yesterday's window
  } else {
    return false;
  }
  return w.days === null || w.days.has(day);
}
