// Operations endpoints: the app answers every operation of the OpenAPI document, /docs renders it,
// /metrics counts. The document itself is checked in test/unit/openapi.test.ts.
import request from 'supertest';
import { TEST_ADMIN } from '../support/config';
import { startFakeTwilio, type FakeTwilio } from '../support/fakeTwilio';
import { startTestServer, type TestServer } from '../support/server';
import { PUBLIC_URL, inboundForm, postSigned } from '../support/twilioRequests';

const TOKEN = 'ops-test-token-0123456789abcdef01';

/** The paths and methods of the served OpenAPI document, as "get /api/messages/{id}". */
async function documentedRoutes(url: string): Promise<string[]> {
  const doc = (await request(url).get('/openapi.json').expect(200)).body;
  expect(doc.openapi).toBe('3.1.0');
  return Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([p, ops]) =>
    Object.keys(ops).map((m) => `${m} ${p}`),
  );
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

  it('serves the OpenAPI 3.1 document, and the app answers every operation it lists', async () => {
    const documented = await documentedRoutes(server.url);
    expect(documented.length).toBeGreaterThan(20);
    // Unsigned and without credentials, each is refused by its guard or answered; none falls
    // through to "No route" (the console's event stream never ends, so it is asked with HEAD).
    const unrouted: string[] = [];
    for (const name of documented) {
      const [method, path] = name.split(' ');
      const url = path
        .replace('{phone}', encodeURIComponent('+14155550123'))
        .replace('{id}', '0123456789abcdef01234567');
      const agent = request(server.url);
      const res =
        path === '/console/events'
          ? await agent.head(url)
          : await agent[method as 'get' | 'post' | 'patch' | 'delete'](url);
      if (res.status === 404 && /^No route/.test(res.body?.error?.message ?? ''))
        unrouted.push(name);
    }
    expect(unrouted).toEqual([]);
  });

  it('renders Swagger UI at /docs', async () => {
    const res = await request(server.url).get('/docs/').expect(200);
    expect(res.text).toContain('swagger-ui');
    const init = await request(server.url).get('/docs/swagger-ui-init.js').expect(200);
    expect(init.text).toContain('/api/messages');
  });

  it('/docs works over plain HTTP: its CSP does not upgrade requests to HTTPS', async () => {
    const res = await request(server.url).get('/docs/').expect(200);
    const csp = res.headers['content-security-policy'];
    expect(csp).toContain("default-src 'self'");
    expect(csp).not.toContain('upgrade-insecure-requests');
    // The rest of the app keeps helmet's full policy.
    const health = await request(server.url).get('/health').expect(200);
    expect(health.headers['content-security-policy']).toContain('upgrade-insecure-requests');
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

  it('observes webhook latency for status callbacks and for webhooks that fail', async () => {
    const count = async (route: string) => {
      const text = (await request(server.url).get('/metrics').expect(200)).text;
      const m = new RegExp(
        `replybot_webhook_duration_seconds_count\\{route="${route}"\\} (\\d+)`,
      ).exec(text);
      return m ? Number(m[1]) : 0;
    };
    const statusBefore = await count('status');
    const smsBefore = await count('sms');
    await postSigned(
      server.url,
      '/twilio/status',
      { MessageSid: 'SM' + 'e'.repeat(32), MessageStatus: 'delivered' },
      TOKEN,
    ).expect(204);
    await postSigned(server.url, '/twilio/status', { MessageStatus: 'delivered' }, TOKEN).expect(
      400,
    );
    await postSigned(server.url, '/twilio/sms', { Body: 'no sender' }, TOKEN).expect(400);
    expect(await count('status')).toBe(statusBefore + 2);
    expect(await count('sms')).toBe(smsBefore + 1);
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

describe('metrics when Twilio cannot be reached', () => {
  let server: TestServer;
  beforeAll(async () => {
    const gone = await startFakeTwilio({ authToken: TOKEN });
    const url = gone.url;
    await gone.close();
    server = await startTestServer(
      {
        TWILIO_ACCOUNT_SID: gone.accountSid,
        TWILIO_AUTH_TOKEN: TOKEN,
        TWILIO_API_URL: url,
        TWILIO_FROM: '+14155550100',
      },
      { label: 'ops-network' },
    );
  });
  afterAll(() => server.stop());

  it('counts a send that never reached Twilio as a Twilio error with code "network"', async () => {
    await request(server.url)
      .post('/api/messages')
      .auth(TEST_ADMIN.name, TEST_ADMIN.password)
      .send({ to: '+14155550184', body: 'hi' })
      .expect(502);
    const res = await request(server.url).get('/metrics').expect(200);
    expect(res.text).toMatch(/replybot_twilio_errors_total\{code="network"\} 1/);
    expect(res.text).toMatch(/replybot_outbound_messages_total\{status="failed"\} 1/);
  });
});

interface DocumentedOperation {
  name: string;
  method: string;
  path: string;
  query: { name: string; schema?: { enum?: string[] } }[];
  bodyType: string | null;
  responses: Record<string, { description: string }>;
  admin: boolean;
}

/** Each operation of the served OpenAPI document, as "get /api/messages/{id}" and what it documents. */
async function documentedOperations(url: string): Promise<DocumentedOperation[]> {
  const doc = (await request(url).get('/openapi.json').expect(200)).body;
  return Object.entries(
    doc.paths as Record<
      string,
      Record<
        string,
        {
          parameters?: { name: string; in: string; schema?: { enum?: string[] } }[];
          requestBody?: { content: Record<string, unknown> };
          responses: Record<string, { description: string }>;
          security?: unknown[];
        }
      >
    >,
  ).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => ({
      name: `${method} ${path}`,
      method,
      path,
      query: (op.parameters ?? []).filter((p) => p.in === 'query'),
      bodyType: op.requestBody ? Object.keys(op.requestBody.content)[0] : null,
      responses: op.responses,
      admin: Boolean(op.security?.length),
    })),
  );
}

describe('the OpenAPI document against what the routes answer', () => {
  let server: TestServer;
  let operations: DocumentedOperation[];
  beforeAll(async () => {
    server = await startTestServer({ BODY_LIMIT: '1kb' }, { label: 'ops-openapi' });
    operations = await documentedOperations(server.url);
  });
  afterAll(() => server.stop());

  /** A request to an operation's path, its parameters filled with values that pass validation. */
  const call = (method: string, path: string) => {
    const url = path
      .replace('{phone}', encodeURIComponent('+14155550123'))
      .replace('{id}', '0123456789abcdef01234567');
    const agent = request(server.url);
    return agent[method as 'get' | 'post' | 'patch'](url).auth(
      TEST_ADMIN.name,
      TEST_ADMIN.password,
    );
  };

  it('documents every query parameter an admin GET route accepts', async () => {
    // Every query parameter the document names anywhere, with a value its schema accepts.
    const candidates = new Map<string, string>();
    for (const op of operations)
      for (const p of op.query) candidates.set(p.name, p.schema?.enum?.[0] ?? '1');
    const probed: string[] = [];
    const undocumented: string[] = [];
    // Not the console's: its page takes no query, and its event stream never ends a response.
    const probe = operations.filter(
      (o) => o.admin && o.method === 'get' && !o.path.startsWith('/console'),
    );
    for (const op of probe) {
      expect([op.name, (await call('get', op.path)).status]).not.toEqual([op.name, 400]);
      // Only a route that rejects an unknown query parameter shows which ones it accepts.
      if ((await call('get', op.path).query({ not_a_parameter: '1' })).status !== 400) continue;
      probed.push(op.name);
      for (const [name, value] of candidates) {
        if (op.query.some((p) => p.name === name)) continue;
        const res = await call('get', op.path).query({ [name]: value });
        if (res.status !== 400) undocumented.push(`${op.name}?${name}`);
      }
    }
    expect(probed).toEqual(
      expect.arrayContaining(['get /api/threads/{phone}', 'get /api/threads/{phone}/messages']),
    );
    expect(undocumented).toEqual([]);
  });

  it('lists 413 and 415 on every operation with a body, and each answers them', async () => {
    const withBody = operations.filter((o) => o.bodyType !== null);
    expect(withBody.length).toBeGreaterThan(5);
    const wrong: string[] = [];
    for (const op of withBody) {
      const big =
        op.bodyType === 'application/json'
          ? JSON.stringify({ body: 'x'.repeat(2048) })
          : `Body=${'x'.repeat(2048)}`;
      const tooLarge = await call(op.method, op.path)
        .type(op.bodyType as string)
        .send(big);
      const notItsType = await call(op.method, op.path).type('text/plain').send('hi');
      for (const [status, res] of [
        ['413', tooLarge],
        ['415', notItsType],
      ] as const) {
        if (res.status !== Number(status)) wrong.push(`${op.name} answered ${res.status}`);
        if (!op.responses[status]) wrong.push(`${op.name} does not list ${status}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('lists 503 database_unavailable on every admin operation that reads the database', async () => {
    // The rules routes read the rule files, never the database; the console's page and event
    // stream read nothing.
    const admin = operations.filter(
      (o) => o.admin && !o.path.startsWith('/api/rules') && !o.path.startsWith('/console'),
    );
    expect(admin.length).toBeGreaterThan(5);
    expect(
      admin
        .filter((o) => !o.responses['503']?.description.includes('database_unavailable'))
        .map((o) => o.name),
    ).toEqual([]);
  });
});
