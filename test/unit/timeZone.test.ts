import { isValidTimeZone } from '../../src/timeZone';

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
