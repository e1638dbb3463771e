import { isValidTimeZone, wallTime } from '../../src/timeZone';

describe('isValidTimeZone', () => {
  it.each([
    ['UTC', true],
    ['Europe/Berlin', true],
    ['America/New_York', true],
    ['Mars/Olympus', false],
    ['', false],
    ['Europe/Berlin ', false],
  ])('%j is %s', (zone, valid) => {
    expect(isValidTimeZone(zone)).toBe(valid);
  });
});

describe('wallTime', () => {
  const at = Date.parse('2024-03-31T00:30:05Z'); // a Sunday in UTC; Berlin moves to summer time at 01:00 UTC
  it.each([
    ['UTC', { year: 2024, month: 3, day: 31, hour: 0, minute: 30, second: 5, weekday: 0 }],
    [
      'Europe/Berlin',
      { year: 2024, month: 3, day: 31, hour: 1, minute: 30, second: 5, weekday: 0 },
    ],
    [
      'America/New_York',
      { year: 2024, month: 3, day: 30, hour: 20, minute: 30, second: 5, weekday: 6 },
    ],
    ['Asia/Kolkata', { year: 2024, month: 3, day: 31, hour: 6, minute: 0, second: 5, weekday: 0 }],
  ])('reads the clock in %s', (zone, expected) => {
    expect(wallTime(at, zone)).toEqual(expected);
  });

  it('shows midnight as hour 0', () => {
    expect(wallTime(Date.parse('2024-01-01T00:00:00Z'), 'UTC').hour).toBe(0);
  });

  it('names an unknown zone in its error', () => {
    expect(() => wallTime(at, 'Mars/Olympus')).toThrow('unknown time zone "Mars/Olympus"');
  });
});
