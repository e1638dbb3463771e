// Our signature middleware's own choices, which the vectors posted to the webhook
// (test/integration/signature.test.ts) do not reach: checking switched off, no auth token
// configured, and PUBLIC_URL taking precedence over the address the request arrived at.
import express from 'express';
import request from 'supertest';
import { createSilentLogger } from '../../src/logger';
import { createErrorHandler } from '../../src/http/errorHandler';
import { requestLog } from '../../src/http/middleware/requestLog';
import { twilioSignature, type SignatureOptions } from '../../src/http/middleware/twilioSignature';
import { inboundForm, sign } from '../support/twilioRequests';

const AUTH_TOKEN = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
const PUBLIC = 'https://sms.example.com';
const ROUTE = '/twilio/sms?tenant=a';

/** A webhook behind only our middleware; it answers 200 'handled' when the request gets through. */
function appWith(options: SignatureOptions) {
  const app = express();
  app.use(requestLog(createSilentLogger()));
  app.use(express.urlencoded({ extended: false }));
  app.post('/twilio/sms', twilioSignature(options), (_req, res) => {
    res.status(200).send('handled');
  });
  app.use(createErrorHandler(createSilentLogger()));
  return app;
}

/** Posts a form to ROUTE, signed for `signedFor` with `token`, or unsigned when token is null. */
function post(
  app: express.Express,
  token: string | null,
  signedFor: (local: string) => string = () => PUBLIC + ROUTE,
) {
  const form = inboundForm({ Body: 'hours' });
  const req = request(app).post(ROUTE).type('form').set('Host', '127.0.0.1:3000');
  if (token !== null)
    req.set('X-Twilio-Signature', sign(token, signedFor(`http://127.0.0.1:3000${ROUTE}`), form));
  return req.send(new URLSearchParams(form).toString());
}

const checking = { authToken: AUTH_TOKEN, enabled: true, publicUrl: PUBLIC };

describe('twilioSignature()', () => {
  it('passes a request signed for PUBLIC_URL + path + query with our auth token', async () => {
    const res = await post(appWith(checking), AUTH_TOKEN).expect(200);
    expect(res.text).toBe('handled');
  });

  it.each([
    [
      'a signature for the address the request arrived at, when PUBLIC_URL is set',
      checking,
      AUTH_TOKEN,
      (local: string) => local,
      'twilio_signature_invalid',
    ],
    [
      'a request signed with an empty token, when no auth token is configured',
      { ...checking, authToken: null },
      '',
      undefined,
      'twilio_auth_token_missing',
    ],
    [
      'an unsigned request, when no auth token is configured',
      { ...checking, authToken: null },
      null,
      undefined,
      'twilio_auth_token_missing',
    ],
    ['an unsigned request', checking, null, undefined, 'twilio_signature_missing'],
  ] as const)(
    'answers 403 to %s, with the code of the check that failed',
    async (_what, options, token, signedFor, code) => {
      const res = await post(appWith(options), token, signedFor).expect(403);
      expect(res.body.error.code).toBe(code);
    },
  );

  it.each([
    ['an unsigned request', null],
    ['a request signed with another auth token', '0'.repeat(32)],
  ])(
    'with checking switched off (TWILIO_VALIDATE_SIGNATURE=false), passes %s',
    async (_what, token) => {
      const res = await post(appWith({ ...checking, enabled: false }), token).expect(200);
      expect(res.text).toBe('handled');
    },
  );
});
