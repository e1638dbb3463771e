// Validates a `when` mapping and compiles it into Conditions (values normalised, regexes built).

import { isMap, isSeq } from 'yaml';
import type { Node } from 'yaml';
import type { Condition, ConditionKind, PhonePattern, TimeWindow } from '../conditions';
import { normalizePrefix, normalizeText, wordsOf } from '../normalize';
import { isValidTimeZone } from '../../timeZone';
import { parseBetween, parseDayItem } from '../time';
import type { Field, SourceFile } from './reader';

export const CONDITION_KEYS = [
  'keyword', 'equals', 'contains', 'contains_all', 'starts_with', 'regex', 'number',
  'from', 'to', 'state', 'first_message', 'has_media', 'time', 'any', 'not',
] as const satisfies readonly ConditionKind[]; // prettier-ignore

// All conditions of a group must hold, so the order is free: cheap checks go first and a state
// or sender mismatch rejects a rule before its regex runs.
const COST: Record<ConditionKind, number> = {
  state: 0, first_message: 0, has_media: 0, from: 1, to: 1, keyword: 2, equals: 2,
  starts_with: 3, contains: 4, contains_all: 4, number: 5, time: 6, regex: 7, any: 8, not: 9,
}; // prettier-ignore

export interface ConditionReader {
  src: SourceFile;
  defaultTimezone: string;
}

/**
 * Reads a condition mapping. Returns undefined when it had errors (all of them are recorded);
 * `requireSome` rejects an empty mapping where "always" makes no sense (inside any/not).
 */
export function readConditions(
  r: ConditionReader,
  node: Node | null,
  where: string,
  requireSome: boolean,
): Condition[] | undefined {
  const errorsBefore = r.src.errors.length;
  const fields = r.src.readMap(node, where, CONDITION_KEYS);
  if (fields === null) return undefined;
  if (requireSome && isMap(node) && node.items.length === 0) {
    r.src.error(node, `${where} must hold at least one condition`);
    return undefined;
  }
  const conditions: Condition[] = [];
  for (const field of fields.values()) {
    const condition = readCondition(r, field, `${where}.${field.name}`);
    if (condition !== undefined) conditions.push(condition);
  }
  conditions.sort((a, b) => COST[a.kind] - COST[b.kind]);
  return r.src.errors.length === errorsBefore ? conditions : undefined;
}

function readCondition(r: ConditionReader, field: Field, where: string): Condition | undefined {
  const { src } = r;
  const node = field.value;
  switch (field.name as ConditionKind) {
    case 'keyword': {
      const values = mapItems<string>(r, node, where, (value) => {
        const normalized = normalizeText(value);
        const words = wordsOf(normalized);
        if (words.length === 1 && words[0] === normalized) return { value: normalized };
        return {
          error:
            words.length > 1
              ? `keyword "${value}" is more than one word; use equals or starts_with for phrases`
              : `keyword "${value}" has no word to match`,
        };
      });
      return values && { kind: 'keyword', values };
    }
    case 'equals': {
      const values = mapItems(r, node, where, (value) => ({ value: normalizeText(value) }));
      return values && { kind: 'equals', values };
    }
    case 'contains':
    case 'contains_all': {
      const phrases = mapItems<string[]>(r, node, where, (value) => {
        const words = wordsOf(normalizeText(value));
        return words.length > 0
          ? { value: words }
          : { error: `"${value}" has no word to look for` };
      });
      return phrases && { kind: field.name as 'contains' | 'contains_all', phrases };
    }
    case 'starts_with': {
      const prefixes = mapItems<string>(r, node, where, (value) => {
        const prefix = normalizePrefix(value);
        return prefix !== '' ? { value: prefix } : { error: `"${value}" is empty` };
      });
      return prefixes && { kind: 'starts_with', prefixes };
    }
    case 'regex': {
      const source = src.text(node, where);
      if (source === undefined) return undefined;
      const regex = compileRegex(source);
      if (typeof regex === 'string') src.error(node, `invalid regex in ${where}: ${regex}`);
      return typeof regex === 'string' ? undefined : { kind: 'regex', regex };
    }
    case 'number':
      return readNumber(r, node, where);
    case 'from':
    case 'to': {
      const patterns = mapItems(r, node, where, readPhonePattern);
      return patterns && { kind: field.name as 'from' | 'to', patterns };
    }
    case 'state': {
      if (src.isNull(node)) return { kind: 'state', value: null };
      const value = src.text(node, where);
      return value === undefined ? undefined : { kind: 'state', value };
    }
    case 'first_message':
    case 'has_media': {
      const value = src.bool(node, where);
      return value === undefined ? undefined : { kind: field.name as 'has_media', value };
    }
    case 'time': {
      const window = readTime(r, node, where);
      return window && { kind: 'time', window };
    }
    case 'any':
      return readAny(r, node, where);
    case 'not': {
      const group = readConditions(r, node, where, true);
      return group && { kind: 'not', group };
    }
  }
}

type Converted<T> = { value: T } | { error: string };

/** Reads a string-or-list and converts each item, reporting a failed item at its own node. */
function mapItems<T>(
  r: ConditionReader,
  node: Node | null,
  where: string,
  convert: (value: string) => Converted<T>,
): T[] | undefined {
  const items = r.src.textItems(node, where);
  if (items === undefined) return undefined;
  const out: T[] = [];
  let ok = true;
  for (const item of items) {
    const converted = convert(item.value);
    if ('error' in converted) {
      r.src.error(item.node, `${where}: ${converted.error}`);
      ok = false;
    } else {
      out.push(converted.value);
    }
  }
  return ok ? out : undefined;
}

/**
 * Case-insensitive; with the `u` flag when the pattern is valid under it (so \p{L} works),
 * otherwise without, so patterns written for plain JS regexes (`\-`, `\#`) still load.
 */
export function compileRegex(source: string): RegExp | string {
  try {
    return new RegExp(source, 'iu');
  } catch {
    try {
      return new RegExp(source, 'i');
    } catch (e) {
      return (e as Error).message;
    }
  }
}

function readNumber(r: ConditionReader, node: Node | null, where: string): Condition | undefined {
  const fields = r.src.readMap(node, where, ['min', 'max']);
  if (fields === null) return undefined;
  const minField = fields.get('min');
  const maxField = fields.get('max');
  const min = minField && r.src.number(minField.value ?? minField.key, `${where}.min`);
  const max = maxField && r.src.number(maxField.value ?? maxField.key, `${where}.max`);
  if ((minField && min === undefined) || (maxField && max === undefined)) return undefined;
  if (min !== undefined && max !== undefined && min > max) {
    r.src.error(node, `${where}: min (${min}) is greater than max (${max})`);
    return undefined;
  }
  return { kind: 'number', min, max };
}

function readPhonePattern(value: string): Converted<PhonePattern> {
  const text = value.trim();
  const star = text.indexOf('*');
  if (text === '' || /\s/.test(text) || (star !== -1 && star !== text.length - 1)) {
    return { error: `"${value}" is not a number or a prefix ending in * (e.g. "+1415555*")` };
  }
  const pattern =
    star === -1 ? { value: text, prefix: false } : { value: text.slice(0, -1), prefix: true };
  return { value: pattern };
}

function readTime(r: ConditionReader, node: Node | null, where: string): TimeWindow | undefined {
  const { src } = r;
  const fields = src.readMap(node, where, ['days', 'between', 'timezone']);
  if (fields === null) return undefined;
  if (!fields.has('days') && !fields.has('between')) {
    src.error(node, `${where} needs days, between or both`);
    return undefined;
  }
  let ok = true;
  let days: Set<number> | null = null;
  const daysField = fields.get('days');
  if (daysField) {
    const items = src.textItems(daysField.value ?? daysField.key, `${where}.days`);
    if (items === undefined) ok = false;
    else days = new Set();
    for (const item of items ?? []) {
      for (const part of item.value.split(',')) {
        const parsed = parseDayItem(part);
        if (typeof parsed === 'string') {
          src.error(item.node, `${where}.days: ${parsed}`);
          ok = false;
        } else parsed.forEach((d) => days?.add(d));
      }
    }
  }
  let between: TimeWindow['between'] = null;
  const betweenField = fields.get('between');
  if (betweenField) {
    const text = src.text(src.at(betweenField), `${where}.between`);
    const parsed = text === undefined ? undefined : parseBetween(text);
    if (typeof parsed === 'string') src.error(src.at(betweenField), `${where}: ${parsed}`);
    if (typeof parsed === 'object') between = parsed;
    else ok = false;
  }
  let timezone = r.defaultTimezone;
  const zoneField = fields.get('timezone');
  if (zoneField) {
    const zone = src.text(src.at(zoneField), `${where}.timezone`);
    if (zone !== undefined && isValidTimeZone(zone)) timezone = zone;
    else {
      if (zone !== undefined)
        src.error(src.at(zoneField), `unknown time zone "${zone}" in ${where}`);
      ok = false;
    }
  } else if (!isValidTimeZone(timezone)) {
    src.error(
      node,
      `${where} uses the default time zone "${timezone}", which is not a valid IANA zone`,
    );
    ok = false;
  }
  return ok ? { days, between, timezone } : undefined;
}

function readAny(r: ConditionReader, node: Node | null, where: string): Condition | undefined {
  const { src } = r;
  if (!isSeq(node)) {
    src.error(node, `${where} must be a list of condition mappings`);
    return undefined;
  }
  const items = node.items;
  if (items.length === 0) {
    src.error(node, `${where} must list at least one condition mapping`);
    return undefined;
  }
  const groups: Condition[][] = [];
  let ok = true;
  items.forEach((item, i) => {
    const group = readConditions(r, src.resolve(item), `${where}[${i}]`, true);
    if (group === undefined) ok = false;
    else groups.push(group);
  });
  return ok ? { kind: 'any', groups } : undefined;
}
