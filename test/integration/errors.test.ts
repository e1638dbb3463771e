import request from 'supertest';
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

  it('sets helmet security headers', async () => {
    const res = await request(server.url).get('/health');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-powered-by']).toBeUndefined();
  });
});
