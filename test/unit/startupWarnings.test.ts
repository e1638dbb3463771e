import { startupWarnings } from '../../src/startupWarnings';

const twilio = { accountSid: null, from: null, apiUrl: null };

describe('start-up warnings', () => {
  it('without TWILIO_AUTH_TOKEN, say webhooks will be refused with 403 and how to test locally', () => {
    const warnings = startupWarnings({
      twilio: { ...twilio, authToken: null, validateSignature: true },
    });
    expect(warnings).toEqual([
      {
        message:
          'webhooks will be refused with 403: without TWILIO_AUTH_TOKEN there is nothing to check X-Twilio-Signature against',
        hint: 'set TWILIO_AUTH_TOKEN; to try webhooks locally without Twilio, set TWILIO_VALIDATE_SIGNATURE=false (for local testing only)',
      },
    ]);
  });

  it('with signature checks off, say they are off and that this is for local testing only', () => {
    const warnings = startupWarnings({
      twilio: { ...twilio, authToken: null, validateSignature: false },
    });
    expect(warnings).toEqual([
      {
        message: 'webhook signatures are not checked (TWILIO_VALIDATE_SIGNATURE=false)',
        hint: 'for local testing only: anyone who can reach the server can post messages as any number',
      },
    ]);
  });

  it('with an auth token and signature checks on, say nothing', () => {
    expect(
      startupWarnings({ twilio: { ...twilio, authToken: 'token', validateSignature: true } }),
    ).toEqual([]);
  });
});
