import { parseDuration } from '../../src/duration';

// The one duration grammar: settings (SEND_LEASE, MISSED_GRACE), rules (schedule.in, a test's
// wait), ?since= and --since all read durations with it.
describe('parseDuration', () => {
  it.each([
    ['250ms', 250],
    ['45s', 45_000],
    ['90s', 90_000],
    ['30m', 1_800_000],
    ['2h', 7_200_000],
    ['1d', 86_400_000],
    ['366d', 366 * 86_400_000],
    ['1h30m', 5_400_000],
    ['1d12h', 129_600_000],
    ['2h 15m', 8_100_000],
    ['1m5s', 65_000],
    ['1.5h', 5_400_000],
    ['0.5s', 500],
    [' 30M ', 1_800_000],
    ['0s', 0],
  ])('reads %j as %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each([['30'], ['250'], ['soon'], ['2 hours'], ['1w'], ['-5m'], ['h'], [''], ['1h-30m']])(
    'refuses %j with the one error text',
    (text) => {
      expect(parseDuration(text)).toBe(
        `duration must look like 45s, 30m, 2h, 1d or 1h30m, got "${text}"`,
      );
    },
  );
});
