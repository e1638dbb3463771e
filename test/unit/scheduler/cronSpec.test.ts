// Cron expressions: which are accepted, and when they fire across daylight-saving changes.
import cron from 'node-cron';
import { cronProblem, normalizeCron, upcomingRuns } from '../../../src/scheduler/cronSpec';
import { fireTimeOfKey } from '../../../src/scheduler/coordinator';

describe('cronProblem', () => {
  it.each([
    ['0 9 * * *', null],
    ['*/5 * * * * *', null],
    ['0 9 * * mon-fri', null],
    ['0 0 L * *', null],
  ])('accepts %s', (pattern, problem) => {
    expect(cronProblem(pattern)).toBe(problem);
  });

  // Our words, not node-cron's ("61 is a invalid expression"): the field, the value, the range.
  it.each([
    [
      '* * * *',
      'cron "* * * *": expected 5 fields (minute hour day month weekday) or 6 (seconds first), got 4',
    ],
    [
      '* * * * * * *',
      'cron "* * * * * * *": expected 5 fields (minute hour day month weekday) or 6 (seconds first), got 7',
    ],
    [
      '@daily',
      'cron "@daily": expected 5 fields (minute hour day month weekday) or 6 (seconds first), got 1',
    ],
    ['61 * * * *', 'cron "61 * * * *": minute 61 is out of range 0–59'],
    ['60 0 9 * * *', 'cron "60 0 9 * * *": second 60 is out of range 0–59'],
    ['0 25 * * *', 'cron "0 25 * * *": hour 25 is out of range 0–23'],
    ['0 9 32 * *', 'cron "0 9 32 * *": day of month 32 is out of range 1–31'],
    ['0 9 1,40 * *', 'cron "0 9 1,40 * *": day of month 40 is out of range 1–31'],
    ['0 9 * 13 *', 'cron "0 9 * 13 *": month 13 is out of range 1–12'],
    ['0 9 30 2 *', 'cron "0 9 30 2 *": day of month 30 never occurs in month 2'],
    ['0 9 * * 8', 'cron "0 9 * * 8": weekday 8 is out of range 0–7'],
    ['0 9-30 * * *', 'cron "0 9-30 * * *": hour 30 is out of range 0–23'],
    ['*/0 * * * *', 'cron "*/0 * * * *": minute step "*/0" must be 1 or more'],
    [
      '0 9 * * foo',
      'cron "0 9 * * foo": weekday "foo" is not a value, range (a-b), step (*/n) or list (a,b) of 0–7 or sun–sat (0 and 7 are Sunday)',
    ],
    [
      'a 9 * * *',
      'cron "a 9 * * *": minute "a" is not a value, range (a-b), step (*/n) or list (a,b) of 0–59',
    ],
    [
      '99 99 * * *',
      'cron "99 99 * * *": minute 99 is out of range 0–59; hour 99 is out of range 0–23',
    ],
  ])('refuses %s, naming the field and its range', (pattern, problem) => {
    expect(cronProblem(pattern)).toBe(problem);
  });

  it('normalizes whitespace', () => {
    expect(normalizeCron('  0  9 * *   * ')).toBe('0 9 * * *');
  });
});

const iso = (dates: Date[]) => dates.map((d) => d.toISOString());

describe('upcomingRuns across daylight-saving changes', () => {
  it('a daily 09:00 America/New_York fires at 09:00 local on both sides of spring-forward', () => {
    // DST starts Sunday 2024-03-10 at 02:00 EST (UTC-5) → 03:00 EDT (UTC-4).
    expect(
      iso(upcomingRuns('0 9 * * *', 'America/New_York', 4, new Date('2024-03-08T15:00:00Z'))),
    ).toEqual([
      '2024-03-09T14:00:00.000Z', // Saturday, EST
      '2024-03-10T13:00:00.000Z', // Sunday, EDT: one hour earlier in UTC
      '2024-03-11T13:00:00.000Z',
      '2024-03-12T13:00:00.000Z',
    ]);
  });

  it('a daily 09:00 America/New_York fires at 09:00 local on both sides of fall-back', () => {
    // DST ends Sunday 2024-11-03 at 02:00 EDT → 01:00 EST.
    expect(
      iso(upcomingRuns('0 9 * * *', 'America/New_York', 3, new Date('2024-11-01T15:00:00Z'))),
    ).toEqual([
      '2024-11-02T13:00:00.000Z', // EDT
      '2024-11-03T14:00:00.000Z', // EST
      '2024-11-04T14:00:00.000Z',
    ]);
  });

  it('a wall time that spring-forward skips (02:30) does not fire that day (node-cron)', () => {
    expect(
      iso(upcomingRuns('30 2 * * *', 'America/New_York', 2, new Date('2024-03-09T12:00:00Z'))),
    ).toEqual([
      '2024-03-11T06:30:00.000Z', // 2024-03-10 02:30 never happens in New York
      '2024-03-12T06:30:00.000Z',
    ]);
  });

  it('the repeated hour of fall-back fires once', () => {
    const runs = iso(
      upcomingRuns('30 1 * * *', 'America/New_York', 2, new Date('2024-11-02T12:00:00Z')),
    );
    expect(runs).toEqual(['2024-11-03T05:30:00.000Z', '2024-11-04T06:30:00.000Z']);
  });

  it('the same schedule in UTC does not move', () => {
    expect(iso(upcomingRuns('0 9 * * *', 'UTC', 3, new Date('2024-03-08T15:00:00Z')))).toEqual([
      '2024-03-09T09:00:00.000Z',
      '2024-03-10T09:00:00.000Z',
      '2024-03-11T09:00:00.000Z',
    ]);
  });

  it('a 6-field expression fires on seconds', () => {
    expect(
      iso(upcomingRuns('*/20 * * * * *', 'UTC', 3, new Date('2024-01-01T00:00:00.500Z'))),
    ).toEqual(['2024-01-01T00:00:20.000Z', '2024-01-01T00:00:40.000Z', '2024-01-01T00:01:00.000Z']);
  });
});

describe('upcomingRuns reads the time it is given, not the system clock', () => {
  it('counts from the given instant, years away from now', () => {
    const runs = upcomingRuns('0 12 1 * *', 'UTC', 2, new Date('2001-01-15T00:00:00Z'));
    expect(runs.map((d) => d.toISOString())).toEqual([
      '2001-02-01T12:00:00.000Z',
      '2001-03-01T12:00:00.000Z',
    ]);
  });
});

describe('upcomingRuns agrees with node-cron', () => {
  // node-cron's public getNextRuns counts from the system clock; ours from the time it is given.
  // Same answers from the same instant (read again if a second boundary passed in between).
  it.each([
    ['0 9 * * mon-fri', 'America/New_York'],
    ['*/7 3-5 * * *', 'Europe/Berlin'],
    ['0 0 L * *', 'Asia/Kolkata'],
    ['15 10 29 2 *', 'UTC'],
    ['30 2 * * sun', 'Australia/Lord_Howe'],
    ['*/13 * * * * *', 'Pacific/Chatham'],
  ])('%s in %s', (pattern, timezone) => {
    const task = cron.createTask(pattern, () => undefined, { timezone });
    try {
      for (;;) {
        const now = new Date();
        const theirs = task.getNextRuns(5);
        if (Math.floor(Date.now() / 1000) !== Math.floor(now.getTime() / 1000)) continue;
        expect(iso(upcomingRuns(pattern, timezone, 5, now))).toEqual(iso(theirs));
        return;
      }
    } finally {
      void task.destroy();
    }
  });
});

describe('fireTimeOfKey', () => {
  it('reads the slot from a node-cron coordination key', () => {
    expect(fireTimeOfKey('schedule:65f0c0ffee:2024-03-10T13:00:00.000Z')?.toISOString()).toBe(
      '2024-03-10T13:00:00.000Z',
    );
    expect(fireTimeOfKey('schedule:abc')).toBeNull();
  });
});
