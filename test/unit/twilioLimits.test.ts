import {
  PHONE_OR_SERVICE_PATTERN,
  isMessagingServiceSid,
  isPhoneNumber,
  parsePhone,
} from '../../src/twilioLimits';

describe('Twilio identifiers', () => {
  it('accepts a dialable E.164 number and refuses other spellings and impossible numbers', () => {
    expect(parsePhone('+14155550100')).toBe('+14155550100');
    expect(parsePhone('+44 20 7946 0958')).toBeUndefined();
    expect(parsePhone('14155550100')).toBeUndefined();
    expect(parsePhone('+10000000000')).toBeUndefined();
    expect(isPhoneNumber('+442079460958')).toBe(true);
  });

  it('matches a number or a Messaging Service SID as a whole, never a mix of both', () => {
    const sid = `MG${'0a'.repeat(16)}`;
    expect(isMessagingServiceSid(sid)).toBe(true);
    expect(PHONE_OR_SERVICE_PATTERN.test(sid)).toBe(true);
    expect(PHONE_OR_SERVICE_PATTERN.test('+14155550100')).toBe(true);
    expect(PHONE_OR_SERVICE_PATTERN.test(`+14155550100${sid}`)).toBe(false);
    expect(PHONE_OR_SERVICE_PATTERN.test(`${sid}x`)).toBe(false);
    expect(PHONE_OR_SERVICE_PATTERN.test('+1x')).toBe(false);
  });
});
