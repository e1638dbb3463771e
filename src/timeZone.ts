// IANA time zones: the one check that a zone name is usable, and the wall-clock time in a zone.
// Every local time here is computed with Intl.DateTimeFormat, so a zone is valid exactly when Intl
// accepts it (it throws a RangeError otherwise). Building a formatter is slow, so each zone's is
// kept; zone names come from users, so the cache is bounded.

const formatters = new Map<string, Intl.DateTimeFormat | null>();

function formatterFor(zone: string): Intl.DateTimeFormat | null {
  let formatter = formatters.get(zone);
  if (formatter === undefined) {
    try {
      formatter = new Intl.DateTimeFormat('en-US', {
        timeZone: zone,
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        weekday: 'short',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
        // h23, not hour12: false, which prints midnight as "24" on some ICU versions.
        hourCycle: 'h23',
      });
    } catch {
      formatter = null;
    }
    if (formatters.size >= 1000) formatters.clear();
    formatters.set(zone, formatter);
  }
  return formatter;
}

/** True when `zone` is an IANA time zone Intl knows, such as Europe/Berlin or UTC. */
export function isValidTimeZone(zone: string): boolean {
  return formatterFor(zone) !== null;
}

/** The clock and calendar on a wall in a time zone. */
export interface WallTime {
  year: number;
  /** 1 = January. */
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** 0 = Sunday. */
  weekday: number;
}

const WEEKDAY_INDEX: Record<string, number> = {
  Sun: 0,
  Mon: 1,
  Tue: 2,
  Wed: 3,
  Thu: 4,
  Fri: 5,
  Sat: 6,
};

/** The wall-clock time of `at` in `zone`; a RangeError naming the zone when it is not valid. */
export function wallTime(at: Date | number, zone: string): WallTime {
  const formatter = formatterFor(zone);
  if (formatter === null) throw new RangeError(`unknown time zone "${zone}"`);
  const found: Record<string, string> = {};
  for (const part of formatter.formatToParts(at)) found[part.type] = part.value;
  return {
    year: Number(found.year),
    month: Number(found.month),
    day: Number(found.day),
    hour: Number(found.hour) % 24,
    minute: Number(found.minute),
    second: Number(found.second),
    weekday: WEEKDAY_INDEX[found.weekday] ?? 0,
  };
}
