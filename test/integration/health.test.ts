import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { ManualClock } from '../../src/clock';
import { EmbeddedDatabase, ensureFerretdb } from '../../src/db/embedded';
import { createSilentLogger } from '../../src/logger';
import { startServer, type ServerHandle } from '../../src/server';
import { testConfig } from '../support/config';
import { portOutsideEphemeralRange } from '../support/db';
import { startTestServer, type TestServer } from '../support/server';

describe('GET /health', () => {
  let server: TestServer;
  const clock = new ManualClock(new Date('2030-03-01T12:00:00Z'));
  beforeAll(async () => {
    server = await startTestServer({}, { label: 'health', clock });
  });
  afterAll(() => server.stop());

  it('answers 200 with the database, rules and Twilio mode', async () => {
    const res = await request(server.url).get('/health').expect(200);
    expect(res.body).toMatchObject({ status: 'ok', db: 'up', twilio: 'dry-run' });
    // The version is the rule files' hash (12 hex) . the load count.
    expect(res.body.rules).toMatchObject({ loaded: true, error: false });
    expect(res.body.rules.version).toMatch(/^[0-9a-f]{12}\.[1-9][0-9]*$/);
  });

  it('counts uptime in whole seconds since start, on the server clock', async () => {
    const before = (await request(server.url).get('/health').expect(200)).body.uptime;
    clock.advance(90_400);
    expect((await request(server.url).get('/health').expect(200)).body.uptime).toBe(before + 90);
  });

  it('keeps an incoming X-Request-Id and echoes it', async () => {
    const res = await request(server.url).get('/health').set('X-Request-Id', 'trace-123');
    expect(res.headers['x-request-id']).toBe('trace-123');
  });

  it('invents a request id when the incoming one is unsafe', async () => {
    const res = await request(server.url).get('/health').set('X-Request-Id', 'bad id <script>');
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});

// This test owns its database process so it can stop and restart it under a running server.
// With MONGODB_URI set (a real MongoDB), it still needs the embedded database binary.
describe('GET /health while the database goes down and comes back', () => {
  let db: EmbeddedDatabase;
  let dir: string;
  let server: ServerHandle;

  beforeAll(async () => {
    const logger = createSilentLogger();
    dir = mkdtempSync(path.join(os.tmpdir(), 'replybot-health-db-'));
    // Restarted on the same port: one no other suite can be given while it is down.
    db = await EmbeddedDatabase.start({
      binary: await ensureFerretdb(logger),
      dir,
      port: await portOutsideEphemeralRange(),
      logger,
    });
    server = await startServer(testConfig({ MONGODB_URI: db.uri('health') }), logger, {
      shutdownGraceMs: 500,
    });
  });
  afterAll(async () => {
    await server.close();
    await db.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('turns 503 while the database is stopped, without crashing, and 200 once it is back', async () => {
    await request(server.url).get('/health').expect(200);

    await db.stop();
    const down = await request(server.url).get('/health').expect(503);
    expect(down.body).toMatchObject({ status: 'unavailable', db: 'down' });

    await db.start();
    // The driver reconnects on its own heartbeat; give it a few seconds.
    let status = 0;
    for (let i = 0; i < 60 && status !== 200; i++) {
      status = (await request(server.url).get('/health')).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 250));
    }
    expect(status).toBe(200);
  });
});
