import request from 'supertest';
import { ERROR_CATALOGUE } from '../../src/errors';
import { TEST_ADMIN } from '../support/config';
import { startTestServer, type TestServer } from '../support/server';

describe('error responses', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ BODY_LIMIT: '1kb' }, { label: 'errors' });
  });
  afterAll(() => server.stop());

  it('answers an unknown route with 404 and the JSON error shape', async () => {
    const res = await request(server.url).get('/no/such/thing').expect(404);
    expect(res.body).toEqual({
      error: { code: 'not_found', message: 'No route for GET /no/such/thing' },
    });
  });

  it('answers malformed JSON with 400 malformed_json and no stack trace', async () => {
    const res = await request(server.url)
      .post('/api/messages')
      .auth(TEST_ADMIN.name, TEST_ADMIN.password)
      .set('Content-Type', 'application/json')
      .send('{"to": "+1415')
      .expect(400);
    expect(res.body).toEqual({
      error: { code: 'malformed_json', message: 'The request body is not valid JSON' },
    });
    expect(JSON.stringify(res.body)).not.toMatch(/at .*\.js/);
  });

  it('answers a body over the limit with 413 payload_too_large', async () => {
    const res = await request(server.url)
      .post('/api/messages')
      .auth(TEST_ADMIN.name, TEST_ADMIN.password)
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ body: 'x'.repeat(5000) }))
      .expect(413);
    expect(res.body.error.code).toBe('payload_too_large');
  });

  it('answers an oversized webhook form with 413 too', async () => {
    const res = await request(server.url)
      .post('/twilio/sms')
      .type('form')
      .send(`Body=${'x'.repeat(5000)}`)
      .expect(413);
    expect(res.body.error.code).toBe('payload_too_large');
  });

  it('checks credentials before reading an admin request body', async () => {
    const res = await request(server.url)
      .post('/api/messages')
      .set('Content-Type', 'application/json')
      .send('{bad')
      .expect(401);
    expect(res.body.error.code).toBe('unauthorized');
  });

  it('answers a URL with a broken %-escape with 400 bad_request, not 500', async () => {
    const res = await request(server.url)
      .get('/api/threads/%E0%A4%A')
      .auth(TEST_ADMIN.name, TEST_ADMIN.password)
      .expect(400);
    expect(res.body).toEqual({
      error: { code: 'bad_request', message: 'The URL is not validly percent-encoded' },
    });
  });

  it('does not parse form bodies outside the webhooks: an unauthenticated form on /api gets 401', async () => {
    // Were the form parser app-wide, this body (over BODY_LIMIT) would be read first: 413.
    const res = await request(server.url)
      .post('/api/messages')
      .type('form')
      .send(`body=${'x'.repeat(5000)}`)
      .expect(401);
    expect(res.body.error.code).toBe('unauthorized');
  });

  // The middlewares raise errors of the catalogue; the error handler writes every body.
  it.each([
    ['no credentials', () => request(server.url).get('/api/threads'), 'unauthorized', 401],
    [
      'a wrong password',
      () => request(server.url).get('/api/threads').auth(TEST_ADMIN.name, 'wrong'),
      'invalid_credentials',
      401,
    ],
    [
      'an unsigned webhook',
      () => request(server.url).post('/twilio/sms').type('form').send('Body=hi'),
      'twilio_auth_token_missing',
      403,
    ],
    [
      'a webhook that is not a form',
      () => request(server.url).post('/twilio/sms').type('text/plain').send('hi'),
      'unsupported_media_type',
      415,
    ],
  ] as const)(
    'answers %s with the catalogue entry of its code',
    async (_what, send, code, status) => {
      const res = await send();
      expect(res.status).toBe(status);
      expect(res.body).toEqual({ error: { code, message: expect.any(String) } });
      if (code !== 'unsupported_media_type')
        expect(res.body.error.message).toBe(ERROR_CATALOGUE[code].message);
    },
  );

  it('sets helmet security headers', async () => {
    const res = await request(server.url).get('/health');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-powered-by']).toBeUndefined();
  });
});
