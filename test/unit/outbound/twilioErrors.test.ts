import twilio from 'twilio';
import {
  AppError,
  OptedOutError,
  TwilioRejectedError,
  UpstreamError,
  ValidationError,
} from '../../../src/errors';
import {
  describeTwilioError,
  mayTryAgain,
  networkErrorCode,
  rejectionFor,
  toAppError,
  twilioErrorDocsUrl,
} from '../../../src/outbound/twilioErrors';

/** A RestException exactly as the SDK builds it from an error response. */
function restException(status: number, body: object | string | null) {
  return new twilio.RestException({ statusCode: status, body: body === null ? '' : body });
}

function twilioBody(status: number, code: number, message: string) {
  return { code, message, more_info: twilioErrorDocsUrl(code), status };
}

/** An axios network failure: no response at all. */
function networkError(code: string) {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:1`), { isAxiosError: true, code });
}

/** The SDK's exception for a Twilio error response with `code` (no code: a bare status). */
function failure(status: number, code?: number) {
  return restException(
    status,
    code === undefined ? null : twilioBody(status, code, `error ${code}`),
  );
}

/** Which of our classes each status comes as. */
const CLASS_BY_STATUS: Record<number, new (...args: never[]) => AppError> = {
  409: OptedOutError,
  422: TwilioRejectedError,
  502: UpstreamError,
};

describe('toAppError', () => {
  // [case, thrown error, expected "status code", expected twilioCode]
  const cases: [string, unknown, string, number | undefined][] = [
    ['21211 invalid To', failure(400, 21211), '422 invalid_recipient', 21211],
    ['21614 not a mobile number', failure(400, 21614), '422 invalid_recipient', 21614],
    ['21612 cannot route', failure(400, 21612), '422 invalid_recipient', 21612],
    ['21408 region not enabled', failure(400, 21408), '422 invalid_recipient', 21408],
    ['21604 To missing', failure(400, 21604), '422 invalid_recipient', 21604],
    ['21610 unsubscribed recipient', failure(400, 21610), '409 opted_out', undefined],
    ['20003 bad credentials', failure(401, 20003), '502 twilio_auth_failed', 20003],
    ['401 without a code is still credentials', failure(401), '502 twilio_auth_failed', undefined],
    ['20429 rate limited', failure(429, 20429), '502 twilio_rate_limited', 20429],
    ['429 without a body', failure(429), '502 twilio_rate_limited', undefined],
    ['21611 sender queue full', failure(400, 21611), '502 twilio_rate_limited', 21611],
    ['503 from Twilio', failure(503, 20503), '502 twilio_unavailable', 20503],
    [
      '500 with an HTML body',
      restException(500, '<html>oops</html>'),
      '502 twilio_unavailable',
      undefined,
    ],
    ['21606 From not ours', failure(400, 21606), '422 twilio_rejected', 21606],
    ['21617 body too long', failure(400, 21617), '422 twilio_rejected', 21617],
    ['a 4xx code not in the table', failure(400, 29999), '422 twilio_rejected', 29999],
    ['ECONNREFUSED', networkError('ECONNREFUSED'), '502 twilio_unreachable', undefined],
    ['timeout', networkError('ECONNABORTED'), '502 twilio_unreachable', undefined],
    [
      'plain socket error',
      Object.assign(new Error('hang up'), { code: 'ECONNRESET' }),
      '502 twilio_unreachable',
      undefined,
    ],
    ['anything else', new TypeError('boom'), '502 twilio_failed', undefined],
  ];

  it.each(cases)('%s → %s', (_name, error, expected, twilioCode) => {
    const [status, code] = expected.split(' ');
    const mapped = toAppError(error, { to: '+14155550123' });
    expect(mapped).toBeInstanceOf(CLASS_BY_STATUS[Number(status)]);
    expect(mapped).toMatchObject({ status: Number(status), code });
    expect((mapped as { twilioCode?: number }).twilioCode).toBe(twilioCode);
  });

  it('keeps Twilio’s own message for a rejected request', () => {
    const error = restException(
      400,
      twilioBody(400, 21211, "The 'To' number +1 is not a valid phone number."),
    );
    expect(toAppError(error).message).toBe("The 'To' number +1 is not a valid phone number.");
  });

  it('says what to check when our credentials are wrong', () => {
    const error = restException(401, twilioBody(401, 20003, 'Authenticate'));
    expect(toAppError(error).message).toBe(
      'Twilio rejected our credentials (20003): check TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN',
    );
  });

  it('names the recipient in an opt-out, and copes without one', () => {
    const error = restException(
      400,
      twilioBody(400, 21610, 'Attempt to send to unsubscribed recipient'),
    );
    expect(toAppError(error, { to: '+14155550123' }).message).toBe(
      'Recipient +14155550123 has opted out',
    );
    expect(toAppError(error).message).toBe('The recipient has opted out (Twilio error 21610)');
  });

  it('maps the SDK’s RFC 9457 TwilioServiceException by code too', () => {
    const error = Object.assign(new Error('[HTTP 400] Invalid To'), {
      type: 'https://www.twilio.com/docs/errors/21211',
      title: 'Invalid To',
      status: 400,
      code: 21211,
      detail: "'To' is not a valid phone number",
    });
    expect(toAppError(error)).toMatchObject({
      status: 422,
      code: 'invalid_recipient',
      message: "'To' is not a valid phone number",
    });
  });

  it('passes our own errors through unchanged', () => {
    const own = new ValidationError('bad');
    expect(toAppError(own)).toBe(own);
  });
});

describe('describeTwilioError', () => {
  it.each([
    [21211, 'invalid_recipient', false],
    [21610, 'opted_out', false],
    [20003, 'auth', false],
    [20429, 'rate_limited', true],
    [30003, 'other', true],
    [30005, 'invalid_recipient', false],
    [30007, 'other', false],
  ])('%i is %s (retry %s)', (code, kind, retry) => {
    expect(describeTwilioError(code)).toMatchObject({ code, kind, retry });
  });

  it('knows nothing of unknown or absent codes', () => {
    expect(describeTwilioError(12345)).toBeNull();
    expect(describeTwilioError(null)).toBeNull();
  });
});

describe('networkErrorCode', () => {
  it('recognises failures to reach Twilio, not HTTP errors', () => {
    expect(networkErrorCode(networkError('ENOTFOUND'))).toBe('ENOTFOUND');
    expect(networkErrorCode(restException(503, null))).toBeNull();
    expect(networkErrorCode(new Error('x'))).toBeNull();
  });
});

describe('a repeated Idempotency-Key after a failed send', () => {
  it.each<[number | null, boolean, string]>([
    [null, true, 'Twilio never answered (network)'],
    [20500, true, 'Twilio failed (5xx)'],
    [20429, true, 'rate limited'],
    [20003, true, 'our credentials were wrong; fixed, the same message may go'],
    [21211, false, 'invalid recipient'],
    [21610, false, 'opted out'],
    [21617, false, 'body too long for Twilio'],
    [99999, false, 'a code we do not know: treated as a rejection, never re-sent blindly'],
  ])('code %p may be tried again: %p (%s)', (code, expected) => {
    expect(mayTryAgain(code)).toBe(expected);
  });

  it('rebuilds the error a rejection was answered with', () => {
    expect(rejectionFor(21211, "The 'To' number is not valid.", '+14155550101')).toMatchObject({
      status: 422,
      code: 'invalid_recipient',
      message: "The 'To' number is not valid.",
      details: { twilioCode: 21211 },
    });
    expect(rejectionFor(21610, 'ignored', '+14155550101')).toMatchObject({
      status: 409,
      code: 'opted_out',
      message: 'Recipient +14155550101 has opted out',
    });
    expect(rejectionFor(21617, 'Too long', '+14155550101')).toMatchObject({
      status: 422,
      code: 'twilio_rejected',
    });
  });
});
