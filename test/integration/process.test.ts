import net from 'node:net';
import request from 'supertest';
import { freshDatabaseUri } from '../support/db';
import {
  acceptsConnections,
  embeddedDatabasePort,
  processesMentioning,
  spawnServer,
} from '../support/process';

/** Opens a request whose body is still arriving: headers and the first bytes only. */
async function openRequestInFlight(port: number, body: string) {
  const socket = net.connect(port, '127.0.0.1');
  await new Promise((r) => socket.once('connect', r));
  let response = '';
  socket.on('data', (d) => (response += d.toString()));
  socket.write(
    `POST /no-such-route HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`,
  );
  socket.write(body.slice(0, 5));
  await new Promise((r) => setTimeout(r, 200));
  return { socket, response: () => response };
}

describe('the server process', () => {
  it('refuses to start in production without its required settings, naming each, exit code 1', async () => {
    const proc = spawnServer({ NODE_ENV: 'production' });
    const { code } = await proc.exited;
    expect(code).toBe(1);
    const lines = proc.output().trim().split('\n');
    expect(lines).toEqual([
      'config: MONGODB_URI is required when NODE_ENV=production',
      'config: TWILIO_AUTH_TOKEN is required when NODE_ENV=production',
      'config: ADMIN_USERS is required when NODE_ENV=production',
      'config: PUBLIC_URL is required when NODE_ENV=production',
    ]);
  });

  it('prints the generated admin password once and never logs it', async () => {
    const proc = spawnServer({
      PORT: '0',
      MONGODB_URI: freshDatabaseUri('proc'),
      SCHEDULER: 'off',
      WATCH_RULES: 'false',
    });
    await proc.listening;
    proc.child.kill('SIGTERM');
    await proc.exited;
    const m = /with password (\S+)/.exec(proc.output());
    expect(m).not.toBeNull();
    const password = m![1];
    expect(proc.output().split(password)).toHaveLength(2); // exactly one occurrence
  });

  it('on SIGTERM finishes a request in flight, then exits 0 within 10 s', async () => {
    const proc = spawnServer({
      PORT: '0',
      MONGODB_URI: freshDatabaseUri('proc'),
      ADMIN_USERS: 'ops:pw',
      SCHEDULER: 'off',
      WATCH_RULES: 'false',
    });
    const port = await proc.listening;

    // A request whose body is still arriving when the signal comes.
    const body = JSON.stringify({ hello: 'world' });
    const inFlight = await openRequestInFlight(port, body);

    const signalledAt = Date.now();
    proc.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    // It stops accepting first: a new connection is refused while the old request is still open.
    expect(await acceptsConnections(port)).toBe(false);
    inFlight.socket.write(body.slice(5));
    const response = inFlight.response;

    const { code } = await proc.exited;
    expect(code).toBe(0);
    expect(Date.now() - signalledAt).toBeLessThan(10_000);
    expect(response()).toMatch(/^HTTP\/1\.1 404/);
    expect(response()).toContain('"code":"not_found"');
    // New connections are refused once it has stopped.
    await expect(
      new Promise((resolve, reject) =>
        net.connect(port, '127.0.0.1').once('connect', resolve).once('error', reject),
      ),
    ).rejects.toThrow(/ECONNREFUSED/);
  });

  // In a real process: Node's header timeout does not fire inside jest's test environment.
  it('drops a client that never finishes its request headers (slowloris) within about 10 s', async () => {
    const proc = spawnServer({
      PORT: '0',
      MONGODB_URI: freshDatabaseUri('proc'),
      ADMIN_USERS: 'ops:pw',
      SCHEDULER: 'off',
      WATCH_RULES: 'false',
    });
    const port = await proc.listening;
    const socket = net.connect(port, '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    socket.write('POST /twilio/sms HTTP/1.1\r\nHost: x\r\n'); // and never the rest
    const started = Date.now();
    let response = '';
    socket.on('data', (d) => (response += d.toString()));
    await new Promise((resolve) => socket.once('close', resolve));
    expect(Date.now() - started).toBeLessThan(13_000);
    expect(response).toMatch(/^HTTP\/1\.1 408/);
    proc.child.kill('SIGTERM');
    await proc.exited;
  }, 20_000);

  describe('with the embedded database (no MONGODB_URI)', () => {
    const env = { PORT: '0', ADMIN_USERS: 'ops:pw', SCHEDULER: 'off', WATCH_RULES: 'false' };

    it('serves /health with the database up; on SIGTERM, even with a stuck request, exits 0 within 10 s and stops FerretDB', async () => {
      const proc = spawnServer(env);
      const port = await proc.listening;
      const dbPort = embeddedDatabasePort(proc.output());
      expect(dbPort).not.toBeNull();
      expect(await acceptsConnections(dbPort!)).toBe(true);

      const health = await request(`http://127.0.0.1:${port}`).get('/health').expect(200);
      expect(health.body).toMatchObject({ status: 'ok', db: 'up' });

      // A client that never sends the rest of its body cannot hold the shutdown past 10 s.
      const stuck = await openRequestInFlight(port, JSON.stringify({ never: 'finished' }));
      const signalledAt = Date.now();
      proc.child.kill('SIGTERM');
      const { code } = await proc.exited;
      expect(code).toBe(0);
      expect(Date.now() - signalledAt).toBeLessThan(10_000);
      stuck.socket.destroy();

      expect(await acceptsConnections(dbPort!)).toBe(false);
      expect(processesMentioning(proc.dir)).toEqual([]);
    }, 25_000);

    it('exits 1 when its port is taken and leaves no FerretDB process behind', async () => {
      const taken = net.createServer();
      await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
      const takenPort = (taken.address() as net.AddressInfo).port;
      try {
        const proc = spawnServer({ ...env, PORT: String(takenPort) });
        const { code } = await proc.exited;
        expect(code).toBe(1);
        expect(proc.output()).toMatch(/EADDRINUSE/);
        const dbPort = embeddedDatabasePort(proc.output());
        expect(dbPort).not.toBeNull(); // it did start, so it had to be stopped
        expect(await acceptsConnections(dbPort!)).toBe(false);
        expect(processesMentioning(proc.dir)).toEqual([]);
      } finally {
        await new Promise((r) => taken.close(r));
      }
    }, 25_000);
  });
});
