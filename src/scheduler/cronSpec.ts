// Cron expressions and time zones: validation with node-cron's own parser, and upcoming fire times.
//
// node-cron syntax (https://nodecron.com/cron-syntax): 5 fields (minute hour day-of-month month
// day-of-week) or 6 with seconds first. Times are wall-clock times in the schedule's IANA zone,
// and node-cron resolves DST itself: a daily 09:00 stays at 09:00 local on both sides of a change,
// a wall time that spring-forward skips (02:30 in New York) does not fire that day, and the
// repeated hour of fall-back fires once (test/unit/scheduler/cronSpec.test.ts).
import cron from 'node-cron';
import { isValidTimezone } from '../config';

export { isValidTimezone };

/** Why `pattern` is not a usable 5- or 6-field cron expression, or null when it is. */
export function cronProblem(pattern: string): string | null {
  const fields = pattern.trim().split(/\s+/);
  // node-cron also takes nicknames (@daily); the API promises fields, so they are refused here.
  if (fields.length !== 5 && fields.length !== 6) {
    return `expected 5 fields (minute hour day month weekday) or 6 (seconds first), got ${fields.length}`;
  }
  const result = cron.validateDetailed(fields.join(' '));
  if (result.valid) return null;
  return result.errors.map((e) => e.message).join('; ') || 'not a valid cron expression';
}

/** Collapses runs of whitespace, so equal expressions compare equal. */
export function normalizeCron(pattern: string): string {
  return pattern.trim().split(/\s+/).join(' ');
}

/** node-cron's matcher for one expression; ScheduledTask keeps it, but node-cron does not export it. */
interface TimeMatcher {
  getNextMatch(date: Date): Date;
}

/**
 * The next `count` fire times after `after`, as node-cron computes them (the same matcher that
 * fires the tasks, DST included). The time is passed in: node-cron's own getNextRuns reads the
 * system clock, so we walk its matcher from our clock instead.
 */
export function upcomingRuns(
  pattern: string,
  timezone: string,
  count: number,
  after: Date,
): Date[] {
  const task = cron.createTask(pattern, () => undefined, { timezone });
  try {
    const matcher = (task as unknown as { timeMatcher?: TimeMatcher }).timeMatcher;
    // Pinned by test/unit/scheduler/cronSpec.test.ts: an upgrade that moves the field fails there.
    if (typeof matcher?.getNextMatch !== 'function')
      throw new Error('node-cron no longer exposes ScheduledTask.timeMatcher');
    const runs: Date[] = [];
    let from = after;
    for (let i = 0; i < count; i++) {
      from = matcher.getNextMatch(from);
      runs.push(from);
    }
    return runs;
  } finally {
    void task.destroy();
  }
}
