// The Handlebars helpers editors may use in reply templates: upper, lower, default, eq, date, plural, json.
import type { HelperDelegate, HelperOptions } from 'handlebars';
import { wallTime } from '../timeZone';

export interface HelperSettings {
  /** IANA zone for `date` when the template names none (the TIMEZONE setting). */
  defaultTimezone: string;
}

/** The format `{{date value}}` uses when the template gives none. */
export const DEFAULT_DATE_FORMAT = 'YYYY-MM-DD HH:mm';

// English names from fixed tables, so a reply never changes with the server's locale.
const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const SHORT_WEEKDAYS = WEEKDAYS.map((day) => day.slice(0, 3));

// Longest tokens first so `MMMM` is not read as `MM` twice; `[text]` is copied literally.
const DATE_TOKEN = /\[([^\]]*)]|YYYY|MMMM|MMM|MM|DD|D|dddd|ddd|HH|mm|ss/g;

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** A date in a time zone, formatted with the tokens YYYY MM DD D HH mm ss ddd dddd MMM MMMM. */
export function formatDate(date: Date, format: string, timeZone: string): string {
  const p = wallTime(date, timeZone);
  const values: Record<string, string> = {
    YYYY: pad(p.year, 4),
    MM: pad(p.month),
    DD: pad(p.day),
    D: String(p.day),
    HH: pad(p.hour),
    mm: pad(p.minute),
    ss: pad(p.second),
    MMMM: MONTHS[p.month - 1],
    MMM: MONTHS[p.month - 1].slice(0, 3),
    dddd: WEEKDAYS[p.weekday],
    ddd: SHORT_WEEKDAYS[p.weekday],
  };
  return format.replace(DATE_TOKEN, (token, literal: string | undefined) =>
    literal !== undefined ? literal : values[token],
  );
}

/** Handlebars passes its options object as the last argument; the rest are the template's values. */
function valuesOf(args: unknown[]): unknown[] {
  return args.slice(0, -1);
}

const isBlank = (value: unknown) => value === null || value === undefined || value === '';

function text(value: unknown): string {
  return value === null || value === undefined ? '' : String(value);
}

function toDate(value: unknown): Date {
  const date =
    value instanceof Date
      ? value
      : typeof value === 'number' || typeof value === 'string'
        ? new Date(value)
        : new Date(NaN);
  if (Number.isNaN(date.getTime())) throw new Error(`date: ${JSON.stringify(value)} is not a date`);
  return date;
}

/**
 * Vars set from message text are strings ("3"), while a template compares with a number literal
 * (3): treat a number and its decimal string as equal, everything else strictly.
 */
function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  const mixed =
    (typeof a === 'number' && typeof b === 'string') ||
    (typeof a === 'string' && typeof b === 'number');
  return mixed && String(a).trim() !== '' && Number(a) === Number(b);
}

/** The helpers, keyed by the name templates call them by. */
export function createHelpers(settings: HelperSettings): Record<string, HelperDelegate> {
  // Fail at start-up, not on the first message that uses `date`.
  wallTime(0, settings.defaultTimezone);

  return {
    upper: (...args: unknown[]) => text(valuesOf(args)[0]).toUpperCase(),

    lower: (...args: unknown[]) => text(valuesOf(args)[0]).toLowerCase(),

    /** `{{default vars.name "friend"}}`: the value unless it is null, undefined or "". */
    default: (...args: unknown[]) => {
      const [value, fallback] = valuesOf(args);
      return isBlank(value) ? text(fallback) : value;
    },

    /** Inline `{{#if (eq a b)}}` gives a boolean; block `{{#eq a b}}…{{else}}…{{/eq}}` picks a branch. */
    eq: function (this: unknown, ...args: unknown[]) {
      const values = valuesOf(args);
      if (values.length !== 2) throw new Error(`eq: needs two values, got ${values.length}`);
      const equal = sameValue(values[0], values[1]);
      const options = args[args.length - 1] as Partial<HelperOptions>;
      if (typeof options.fn !== 'function') return equal;
      return equal ? options.fn(this) : options.inverse ? options.inverse(this) : '';
    },

    /** `{{date now "YYYY-MM-DD HH:mm" "Europe/Berlin"}}`; no value gives "", a bad one an error. */
    date: (...args: unknown[]) => {
      const [value, format, timeZone] = valuesOf(args);
      if (isBlank(value)) return '';
      const zone = isBlank(timeZone) ? settings.defaultTimezone : String(timeZone);
      const pattern = isBlank(format) ? DEFAULT_DATE_FORMAT : String(format);
      return formatDate(toDate(value), pattern, zone);
    },

    /** `{{plural count "cup" "cups"}}` → "1 cup" / "3 cups"; the plural defaults to singular + "s". */
    plural: (...args: unknown[]) => {
      const [count, singular, plural] = valuesOf(args);
      const n = typeof count === 'string' && count.trim() !== '' ? Number(count) : count;
      if (typeof n !== 'number' || Number.isNaN(n)) {
        throw new Error(`plural: ${JSON.stringify(count)} is not a number`);
      }
      const one = text(singular);
      const many = isBlank(plural) ? `${one}s` : text(plural);
      return `${n} ${n === 1 ? one : many}`;
    },

    /** For debugging a template: `{{json contact}}`. */
    json: (...args: unknown[]) => JSON.stringify(valuesOf(args)[0]) ?? '',
  };
}
