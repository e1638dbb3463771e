// Cron expressions: which are accepted, and when they fire across daylight-saving changes.
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

  it.each([
    ['* * * *', /expected 5 fields .* got 4/],
    ['* * * * * * *', /got 7/],
    ['@daily', /got 1/],
    ['61 * * * *', /61 is a invalid expression for minute/],
    ['0 25 * * *', /for hour/],
    ['0 9 32 * *', /day of month/],
    ['*/0 * * * *', /minute/],
  ])('refuses %s, naming the field', (pattern, message) => {
    expect(cronProblem(pattern)).toMatch(message);
  });

  it('normalizes whitespace', () => {
    expect(normalizeCron('  0  9 * *   * ')).toBe('0 9 * * *');
  });
});

describe('upcomingRuns across daylight-saving changes', () => {
  const iso = (dates: Date[]) => dates.map((d) => d.toISOString());

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

describe('fireTimeOfKey', () => {
  it('reads the slot from a node-cron coordination key', () => {
    expect(fireTimeOfKey('schedule:65f0c0ffee:2024-03-10T13:00:00.000Z')?.toISOString()).toBe(
      '2024-03-10T13:00:00.000Z',
    );
    expect(fireTimeOfKey('schedule:abc')).toBeNull();
  });
});
