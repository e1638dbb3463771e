// Cron expressions and time zones: validation with node-cron's own parser (our wording of its
// errors), and upcoming fire times from node-cron's public parse and match.
//
// node-cron syntax (https://nodecron.com/cron-syntax): 5 fields (minute hour day-of-month month
// day-of-week) or 6 with seconds first. Times are wall-clock times in the schedule's IANA zone,
// and node-cron resolves DST itself: a daily 09:00 stays at 09:00 local on both sides of a change,
// a wall time that spring-forward skips (02:30 in New York) does not fire that day, and the
// repeated hour of fall-back fires once (test/unit/scheduler/cronSpec.test.ts).
import cron from 'node-cron';
import { wallTime, type WallTime } from '../timeZone';

/** The fields in node-cron's order (6-field form), with the ranges node-cron accepts. */
const FIELDS = [
  { name: 'second', min: 0, max: 59, names: null },
  { name: 'minute', min: 0, max: 59, names: null },
  { name: 'hour', min: 0, max: 23, names: null },
  { name: 'day of month', min: 1, max: 31, names: 'or L for the last day' },
  { name: 'month', min: 1, max: 12, names: 'or jan–dec' },
  { name: 'weekday', min: 0, max: 7, names: 'or sun–sat (0 and 7 are Sunday)' },
] as const;

type Field = (typeof FIELDS)[number];

/** Why one field's text is refused, in our words: the first number out of range or step of 0. */
function fieldProblem(field: Field, text: string): string {
  const range = `${field.min}–${field.max}`;
  for (const item of text.split(',')) {
    const [base, step, extra] = item.split('/');
    if (step !== undefined && (extra !== undefined || !/^\d+$/.test(step)))
      return `${field.name} step "${item}" must be a whole number after the /`;
    if (step !== undefined && Number(step) === 0)
      return `${field.name} step "${item}" must be 1 or more`;
    for (const part of base.split('-')) {
      if (!/^\d+$/.test(part)) continue;
      const n = Number(part);
      if (n < field.min || n > field.max) return `${field.name} ${n} is out of range ${range}`;
    }
  }
  const allowed = field.names ? `${range} ${field.names}` : range;
  return `${field.name} "${text}" is not a value, range (a-b), step (*/n) or list (a,b) of ${allowed}`;
}

/** Why `pattern` is not a usable 5- or 6-field cron expression, or null when it is. */
export function cronProblem(pattern: string): string | null {
  const fields = pattern.trim().split(/\s+/);
  const quoted = `cron "${fields.join(' ')}"`;
  // node-cron also takes nicknames (@daily); the API promises fields, so they are refused here.
  if (fields.length !== 5 && fields.length !== 6) {
    return `${quoted}: expected 5 fields (minute hour day month weekday) or 6 (seconds first), got ${fields.length}`;
  }
  const result = cron.validateDetailed(fields.join(' '));
  if (result.valid) return null;
  // node-cron names each refused field; the wording ("61 is a invalid expression") is ours to set.
  const offset = fields.length === 5 ? 1 : 0;
  const problems = fields.flatMap((text, i) => {
    const field = FIELDS[i + offset];
    const error = result.errors.find((e) => fieldKey(e.field) === field.name);
    if (!error) return [];
    // Both fields are in range, but no such day exists ("30 2": 30 February).
    if (/impossible/.test(error.message))
      return [`day of month ${text} never occurs in month ${fields[i + 1]}`];
    return [fieldProblem(field, text)];
  });
  return `${quoted}: ${problems.length > 0 ? problems.join('; ') : 'not a valid cron expression'}`;
}

/** node-cron's field keys (dayOfMonth, dayOfWeek) in our names. */
function fieldKey(key: string): string {
  if (key === 'dayOfMonth') return 'day of month';
  if (key === 'dayOfWeek') return 'weekday';
  return key;
}

/** Collapses runs of whitespace, so equal expressions compare equal. */
export function normalizeCron(pattern: string): string {
  return pattern.trim().split(/\s+/).join(' ');
}

const HOUR = 3_600_000;

/** How far `timezone`'s wall clock is ahead of UTC at `ms` (wall clocks show whole seconds). */
function offsetAt(ms: number, timezone: string): number {
  const second = Math.floor(ms / 1000) * 1000;
  return asUtc(wallTime(second, timezone)) - second;
}

const asUtc = (t: WallTime) => Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second);

/**
 * The zone's offset between two instants (at most one change in between, as every zone has): a
 * wall time's instant, the earlier one when fall-back repeats it, null when spring-forward skips it.
 */
function offsetsAround(start: number, end: number, timezone: string) {
  const before = offsetAt(start, timezone);
  const after = offsetAt(end, timezone);
  // The first instant on the new offset, found by halving (whole seconds are enough).
  let low = start;
  let high = end;
  while (before !== after && high - low > 1000) {
    const mid = low + Math.floor((high - low) / 2);
    if (offsetAt(mid, timezone) === before) low = mid;
    else high = mid;
  }
  const offsetOf = (ms: number) => (ms < high ? before : after);
  return {
    steady: before === after,
    instantOf(naive: number): number | null {
      const candidates = [naive - before, naive - after].filter(
        (ms) => naive - offsetOf(ms) === ms,
      );
      return candidates.length > 0 ? Math.min(...candidates) : null;
    },
  };
}

/**
 * The next `count` fire times after `after`. The time is passed in (node-cron's getNextRuns reads
 * the system clock); the walk uses node-cron's public parse for the candidate times of a day and
 * its public match for the day fields (L, weekday names), so no private part of node-cron is read.
 */
export function upcomingRuns(
  pattern: string,
  timezone: string,
  count: number,
  after: Date,
): Date[] {
  const fields = cron.parse(pattern);
  const task = cron.createTask(pattern, () => undefined, { timezone });
  try {
    const asc = (values: number[]) => [...values].sort((a, b) => a - b);
    const [hours, minutes, seconds] = [fields.hour, fields.minute, fields.second].map(asc);
    const runs: Date[] = [];
    let from = after.getTime();
    const start = wallTime(from, timezone);
    let day = Date.UTC(start.year, start.month - 1, start.day);
    // node-cron gives up after 100 years of days too.
    for (let i = 0; runs.length < count && i < 366 * 100; i++, day += 86_400_000) {
      const date = new Date(day);
      const ymd = {
        year: date.getUTCFullYear(),
        month: date.getUTCMonth() + 1,
        day: date.getUTCDate(),
      };
      if (!fields.month.includes(ymd.month)) continue;
      // The zone's offsets over the day: one, or (on the day of a DST change) one before the
      // change and one after; each wall time's instant is then arithmetic.
      const offsets = offsetsAround(day - 15 * HOUR, day + 39 * HOUR, timezone);
      // Wall times before `from`'s (by more than a DST change can move them) are not later.
      const earliest = from + offsetAt(from, timezone) - (offsets.steady ? 0 : 3 * HOUR);
      const wall = (hour: number, minute: number, second: number) =>
        Date.UTC(ymd.year, ymd.month - 1, ymd.day, hour, minute, second);
      let dayChecked = false;
      day: for (const hour of hours) {
        if (wall(hour + 1, 0, 0) <= earliest) continue;
        for (const minute of minutes) {
          if (wall(hour, minute + 1, 0) <= earliest) continue;
          for (const second of seconds) {
            const at = offsets.instantOf(wall(hour, minute, second));
            if (at === null || at <= from) continue;
            // The time fields come from the parse; whether the day matches is the same answer
            // for every time of the day, so the first time that exists settles it.
            if (!dayChecked) {
              if (!task.match(new Date(at))) break day;
              dayChecked = true;
            }
            runs.push(new Date(at));
            from = at;
            if (runs.length === count) break day;
          }
        }
      }
    }
    if (runs.length < count)
      throw new Error(`cron "${pattern}" has no ${count} fire times within 100 years`);
    return runs;
  } finally {
    void task.destroy();
  }
}
