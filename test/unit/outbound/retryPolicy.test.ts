import { isRetryableStatus, parseRetryAfter } from '../../../src/outbound/retryPolicy';
import { rewriteTwilioUrl } from '../../../src/outbound/twilioHttpClient';

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
