// One JSON line per request, and error lines that carry the request's id.
import { PassThrough } from 'node:stream';
import request from 'supertest';
import { createLogger } from '../../src/logger';
import { TEST_ADMIN } from '../support/config';
import { startTestServer, type TestServer } from '../support/server';

describe('request logging', () => {
  let server: TestServer;
  const lines: Record<string, unknown>[] = [];
  /** The lines of one request, once its request line is out: written last, on 'finish'. */
  const linesFor = async (requestId: string) => {
    const mine = () => lines.filter((line) => line.requestId === requestId);
    const done = () => mine().some((line) => line.message === 'request');
    for (const until = Date.now() + 5000; !done() && Date.now() < until;)
      await new Promise((r) => setImmediate(r));
    return mine();
  };

  beforeAll(async () => {
    const stream = new PassThrough();
    stream.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
    });
    const logger = createLogger({ level: 'info', format: 'json', stream });
    server = await startTestServer({}, { logger, label: 'reqlog' });
  });
  afterAll(() => server.stop());

  it('writes one line with method, full path, status, duration and request id', async () => {
    await request(server.url).get('/health').set('X-Request-Id', 'log-health-1').expect(200);
    const mine = await linesFor('log-health-1');
    expect(mine).toEqual([
      expect.objectContaining({
        level: 'info',
        message: 'request',
        method: 'GET',
        path: '/health',
        status: 200,
        durationMs: expect.any(Number),
        requestId: 'log-health-1',
      }),
    ]);
  });

  it('logs the path the client asked for when a router mounted under /api answers', async () => {
    await request(server.url)
      .post('/api/messages')
      .set('X-Request-Id', 'log-401-1')
      .send({ to: '+14155550100', body: 'hi' })
      .expect(401);
    const [line] = await linesFor('log-401-1');
    expect(line).toMatchObject({ method: 'POST', path: '/api/messages', status: 401 });
  });

  it('leaves the query string out of the logged path', async () => {
    await request(server.url).get('/health?token=abc123').set('X-Request-Id', 'log-q-1');
    const [line] = await linesFor('log-q-1');
    expect(line.path).toBe('/health');
    expect(JSON.stringify(lines)).not.toContain('abc123');
  });

  // Last: it closes this server's database connection.
  it('writes error lines with the request id of the request that failed', async () => {
    await server.connection.close();
    await request(server.url)
      .get('/api/threads')
      .auth(TEST_ADMIN.name, TEST_ADMIN.password)
      .set('X-Request-Id', 'log-503-1')
      .expect(503);
    const mine = await linesFor('log-503-1');
    expect(mine.map((line) => line.message)).toEqual(['database unavailable', 'request']);
    expect(mine[0]).toMatchObject({ level: 'warn', path: '/api/threads' });
  });
});
