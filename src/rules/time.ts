// Time in rules: local weekday and clock time in an IANA zone, and the parsers for `days`
// and `between`. Parsers return a value or a message for the load error.

import { wallTime } from '../timeZone';
import type { LocalTimeFn } from './conditions';

/** Local weekday (0 = Sunday) and minutes since midnight of `now` in `timezone`. */
export function localTime(now: Date, timezone: string): { weekday: number; minutes: number } {
  const { weekday, hour, minute } = wallTime(now, timezone);
  return { weekday, minutes: hour * 60 + minute };
}

/** A LocalTimeFn for one decision: each zone is formatted at most once per message. */
export function localTimeAt(now: Date): LocalTimeFn {
  const cache = new Map<string, { weekday: number; minutes: number }>();
  return (timezone) => {
    let t = cache.get(timezone);
    if (t === undefined) {
      t = localTime(now, timezone);
      cache.set(timezone, t);
    }
    return t;
  };
}

const DAY_NAMES: Record<string, number> = {
  sun: 0, sunday: 0, mon: 1, monday: 1, tue: 2, tues: 2, tuesday: 2, wed: 3, wednesday: 3,
  thu: 4, thur: 4, thurs: 4, thursday: 4, fri: 5, friday: 5, sat: 6, saturday: 6,
}; // prettier-ignore

/** One item of `days`: a day ("mon") or a range ("mon-fri", "fri-mon" wraps over the weekend). */
export function parseDayItem(item: string): number[] | string {
  const parts = item.trim().toLowerCase().split('-');
  const idx = parts.map((p) => DAY_NAMES[p.trim()]);
  if (parts.length > 2 || idx.some((d) => d === undefined)) {
    return `"${item}" is not a day or a day range (use mon, tue, wed, thu, fri, sat, sun, e.g. "mon-fri")`;
  }
  const [from, to = from] = idx as number[];
  const days: number[] = [];
  for (let d = from; ; d = (d + 1) % 7) {
    days.push(d);
    if (d === to) break;
  }
  return days;
}

/** "HH:MM-HH:MM"; an end before the start wraps midnight; "24:00" is allowed as an end. */
export function parseBetween(value: string): { start: number; end: number } | string {
  const m = /^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$/.exec(value);
  const bad = `between must look like "09:00-17:00", got "${value}"`;
  if (m === null) return bad;
  const [h1, m1, h2, m2] = m.slice(1).map(Number);
  if (h1 > 23 || m1 > 59 || m2 > 59 || h2 > 24 || (h2 === 24 && m2 !== 0)) return bad;
  const start = h1 * 60 + m1;
  const end = h2 * 60 + m2;
  if (start === end || (start === 0 && end === 24 * 60)) {
    return `between "${value}" covers no time or the whole day; leave between out for all day`;
  }
  return { start, end };
}
