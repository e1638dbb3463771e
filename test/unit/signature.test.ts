// The signature vectors in test/fixtures/twilio were computed by Twilio's documentation and the SDK;
// our check (the SDK's validateRequest on PUBLIC_URL + path + query) must accept each and only each.
import twilio from 'twilio';
import vectors from '../fixtures/twilio/signature-vectors.json';

describe('Twilio signature vectors', () => {
  it.each(vectors.map((v) => [v.source, v] as const))('%s verifies', (_source, v) => {
    expect(twilio.validateRequest(v.authToken, v.signature, v.url, v.params)).toBe(true);
  });

  it.each(vectors.map((v) => [v.source, v] as const))(
    '%s fails with one parameter changed',
    (_source, v) => {
      const tampered = { ...v.params, From: '+14155550199' };
      expect(twilio.validateRequest(v.authToken, v.signature, v.url, tampered)).toBe(false);
    },
  );

  it.each(vectors.map((v) => [v.source, v] as const))(
    '%s fails with another auth token',
    (_source, v) => {
      expect(twilio.validateRequest('0'.repeat(32), v.signature, v.url, v.params)).toBe(false);
    },
  );
});
