// Operations endpoints: the OpenAPI document covers every route, /docs renders it, /metrics counts.
import type { Express } from 'express';
import request from 'supertest';
import { TEST_ADMIN } from '../support/config';
import { startFakeTwilio, type FakeTwilio } from '../support/fakeTwilio';
import { startTestServer, type TestServer } from '../support/server';
import { PUBLIC_URL, inboundForm, postSigned } from '../support/twilioRequests';

const TOKEN = 'ops-test-token-0123456789abcdef01';

/** Every method + path the express app routes, as OpenAPI paths ("/api/messages/{id}"). */
function expressRoutes(app: Express): string[] {
  const routes: string[] = [];
  const walk = (stack: unknown[]) => {
    for (const layer of stack as {
      route?: { path: string; methods: Record<string, boolean> };
      handle?: { stack?: unknown[] };
    }[]) {
      if (layer.route) {
        for (const method of Object.keys(layer.route.methods)) {
          routes.push(`${method} ${layer.route.path.replace(/:(\w+)/g, '{$1}')}`);
        }
      } else if (layer.handle?.stack) {
        walk(layer.handle.stack);
      }
    }
  };
  walk((app as unknown as { router: { stack: unknown[] } }).router.stack);
  return [...new Set(routes)].sort();
}

describe('operations endpoints', () => {
  let server: TestServer;
  let fake: FakeTwilio;
  beforeAll(async () => {
    fake = await startFakeTwilio({ authToken: TOKEN });
    server = await startTestServer(
      {
        PUBLIC_URL,
        TWILIO_ACCOUNT_SID: fake.accountSid,
        TWILIO_AUTH_TOKEN: TOKEN,
        TWILIO_API_URL: fake.url,
        TWILIO_FROM: '+14155550100',
      },
      { label: 'ops' },
    );
  });
  afterAll(async () => {
    await server.stop();
    await fake.close();
  });

  it('serves an OpenAPI 3.1 document that describes every route the app serves', async () => {
    const doc = (await request(server.url).get('/openapi.json').expect(200)).body;
    expect(doc.openapi).toBe('3.1.0');
    const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(
      ([p, ops]) => Object.keys(ops).map((m) => `${m} ${p}`),
    );
    const served = expressRoutes(server.app);
    expect(served.length).toBeGreaterThan(10);
    expect(served.filter((r) => !documented.includes(r))).toEqual([]);
  });

  it('renders Swagger UI at /docs', async () => {
    const res = await request(server.url).get('/docs/').expect(200);
    expect(res.text).toContain('swagger-ui');
    const init = await request(server.url).get('/docs/swagger-ui-init.js').expect(200);
    expect(init.text).toContain('/api/messages');
  });

  it('counts inbound messages by rule and observes webhook latency in /metrics', async () => {
    await postSigned(
      server.url,
      '/twilio/sms',
      inboundForm({ Body: 'hours', From: '+14155550181' }),
      TOKEN,
    ).expect(200);
    const res = await request(server.url).get('/metrics').expect(200);
    expect(res.text).toMatch(/replybot_inbound_messages_total\{kind="rule",rule="hours"\} 1/);
    expect(res.text).toMatch(/replybot_webhook_duration_seconds_count\{route="sms"\} 1/);
    expect(res.text).toContain('replybot_process_resident_memory_bytes');
  });

  it('counts outbound messages by status and Twilio errors by code', async () => {
    await request(server.url)
      .post('/api/messages')
      .auth(TEST_ADMIN.name, TEST_ADMIN.password)
      .send({ to: '+14155550182', body: 'hi' })
      .expect(202);
    fake.rejectNumber('+14155550183', 21211);
    await request(server.url)
      .post('/api/messages')
      .auth(TEST_ADMIN.name, TEST_ADMIN.password)
      .send({ to: '+14155550183', body: 'hi' })
      .expect(422);
    const res = await request(server.url).get('/metrics').expect(200);
    expect(res.text).toMatch(/replybot_outbound_messages_total\{status="queued"\} 1/);
    expect(res.text).toMatch(/replybot_outbound_messages_total\{status="failed"\} 1/);
    expect(res.text).toMatch(/replybot_twilio_errors_total\{code="21211"\} 1/);
  });
});
