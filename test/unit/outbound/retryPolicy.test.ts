import {
  isRetryableStatus,
  parseRetryAfter,
  retryDelayMs,
  validateRetryPolicy,
} from '../../../src/outbound/retryPolicy';
import { rewriteTwilioUrl } from '../../../src/outbound/twilioHttpClient';

const policy = { attempts: 5, baseDelayMs: 100, maxDelayMs: 1000 };
const NOW = Date.parse('2024-05-01T12:00:00Z');

describe('isRetryableStatus', () => {
  it.each([
    [429, true],
    [500, true],
    [503, true],
    [400, false],
    [401, false],
    [404, false],
    [201, false],
  ])('%i → %s', (status, expected) => {
    expect(isRetryableStatus(status)).toBe(expected);
  });
});

describe('retryDelayMs', () => {
  it.each([
    // [retry, random, expected]: equal jitter between half and all of base·2^(retry-1), capped
    [1, 0, 50],
    [1, 1, 100],
    [2, 0, 100],
    [3, 0.5, 300],
    [4, 1, 800],
    [5, 1, 1000],
    [9, 0, 500],
  ])('retry %i with random %d waits %i ms', (retry, random, expected) => {
    expect(retryDelayMs(retry, policy, null, () => random)).toBe(expected);
  });

  it('honours Retry-After over backoff, capped at maxDelayMs', () => {
    expect(retryDelayMs(1, policy, 700, () => 0)).toBe(700);
    expect(retryDelayMs(1, policy, 0, () => 0)).toBe(0);
    expect(retryDelayMs(1, policy, 60_000, () => 0)).toBe(1000);
  });
});

describe('parseRetryAfter', () => {
  it.each([
    ['2', 2000],
    ['0', 0],
    ['1.5', 1500],
    [['3'], 3000],
    ['Wed, 01 May 2024 12:00:04 GMT', 4000],
    ['Wed, 01 May 2024 11:59:00 GMT', 0],
    ['soon', null],
    [undefined, null],
  ])('%j → %j ms', (header, expected) => {
    expect(parseRetryAfter(header, NOW)).toBe(expected);
  });
});

describe('validateRetryPolicy', () => {
  it('rejects policies that never try or wait backwards', () => {
    expect(() => validateRetryPolicy({ attempts: 0, baseDelayMs: 1, maxDelayMs: 1 })).toThrow();
    expect(() => validateRetryPolicy({ attempts: 2, baseDelayMs: 10, maxDelayMs: 5 })).toThrow();
    expect(validateRetryPolicy(policy)).toBe(policy);
  });
});

describe('rewriteTwilioUrl', () => {
  const uri = 'https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json?x=1';
  it.each([
    [uri, undefined, uri],
    [
      uri,
      'http://127.0.0.1:4010',
      'http://127.0.0.1:4010/2010-04-01/Accounts/AC1/Messages.json?x=1',
    ],
    [
      uri,
      'https://proxy.example/twilio/',
      'https://proxy.example/twilio/2010-04-01/Accounts/AC1/Messages.json?x=1',
    ],
    ['https://api.sydney.au1.twilio.com/2010-04-01/x', 'http://fake', 'http://fake/2010-04-01/x'],
    [
      'https://messaging.twilio.com/v1/Services',
      'http://fake',
      'https://messaging.twilio.com/v1/Services',
    ],
  ])('%s with %s → %s', (from, apiUrl, expected) => {
    expect(rewriteTwilioUrl(from, apiUrl)).toBe(expected);
  });
});
