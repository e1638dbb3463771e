// Durations as people write them: settings (SEND_LEASE, MISSED_GRACE), rules (`schedule.in`, a
// test's `wait`), `?since=` and `--since`. One grammar and one error text for all of them.

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

// One or more amounts, each with its unit: 45s, 1.5h, 1h30m, "2h 15m". `ms` is listed before `m`
// so 250ms reads as milliseconds. A bare number is refused: `in: 30` could mean anything.
const DURATION = /^(?:\d+(?:\.\d+)?\s*(?:ms|s|m|h|d)\s*)+$/;
const PART = /(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)/g;

/** Milliseconds (rounded), or the reason `text` is not a duration, for the caller's error. */
export function parseDuration(text: string): number | string {
  const normalized = text.trim().toLowerCase();
  if (!DURATION.test(normalized)) {
    return `duration must look like 45s, 30m, 2h, 1d or 1h30m, got "${text}"`;
  }
  let ms = 0;
  for (const [, amount, unit] of normalized.matchAll(PART)) ms += Number(amount) * UNIT_MS[unit];
  return Math.round(ms);
}
