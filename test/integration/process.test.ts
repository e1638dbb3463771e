import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import request from 'supertest';
import { tempDataDir } from '../support/config';
import { freshDatabaseUri } from '../support/db';
import {
  acceptsConnections,
  embeddedDatabasePort,
  processesMentioning,
  spawnServer,
  type ServerProcess,
} from '../support/process';

/** main.ts forces exit 1 this long after the signal; the README promises exit within it. */
const SHUTDOWN_BOUND_MS = 10_000;

/** The interim answer Node's HTTP server gives a request with `Expect: 100-continue`. */
const CONTINUE = 'HTTP/1.1 100 Continue\r\n\r\n';

/**
 * Opens a request whose body is still arriving: headers and the first bytes only. It goes to the
 * admin API (as ops:pw), whose JSON parser reads the whole body before anything answers (404
 * here); outside /api an unknown route is answered at once, before its body has arrived. Resolves
 * once the server has answered `100 Continue`: it has then accepted the connection and parsed the
 * headers, so the request is in flight on the server's side too (no fixed wait).
 */
async function openRequestInFlight(port: number, body: string) {
  const socket = net.connect(port, '127.0.0.1');
  await new Promise((r) => socket.once('connect', r));
  let response = '';
  socket.on('data', (d) => (response += d.toString()));
  const auth = Buffer.from('ops:pw').toString('base64');
  socket.write(
    `POST /api/no-such-route HTTP/1.1\r\nHost: x\r\nAuthorization: Basic ${auth}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${body.length}\r\nExpect: 100-continue\r\n\r\n`,
  );
  // The first answer, whatever it is (callers expect CONTINUE): a wrong one fails, not hangs.
  await new Promise<void>((resolve) =>
    socket.on('data', () => {
      if (response.includes('\r\n\r\n')) resolve();
    }),
  );
  socket.write(body.slice(0, 5));
  return { socket, response: () => response };
}

/**
 * The server's own process. spawnServer runs tsx, which runs src/main.ts in a child of its own and
 * relays signals to it; signalling that child directly is what a supervisor does in production
 * (`node dist/src/main.js`, no tsx) and keeps tsx's relay out of what the tests measure.
 */
function serverPid(proc: ServerProcess): number {
  const children = readdirSync('/proc').filter((entry) => {
    if (!/^\d+$/.test(entry)) return false;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      return ppid === proc.child.pid;
    } catch {
      return false; // the process ended while we looked
    }
  });
  expect(children).toHaveLength(1);
  return Number(children[0]);
}

/** When the server logged `message`, by its own clock (the JSON line's timestamp). */
function loggedAt(output: string, message: string): number {
  for (const line of output.split('\n')) {
    let entry: { message?: unknown; timestamp?: unknown };
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      continue; // not a log line (e.g. the generated password notice)
    }
    if (entry.message === message) return Date.parse(String(entry.timestamp));
  }
  throw new Error(`the server never logged '${message}':\n${output}`);
}

/**
 * How long the server took from its signal handler ('shutting down') to the end of close()
 * ('stopped', followed at once by process.exit(0)), by its own clock: tsx, this jest process and
 * a loaded machine's scheduling of them do not count against the server's bound.
 */
function shutdownMs(proc: ServerProcess): number {
  return loggedAt(proc.output(), 'stopped') - loggedAt(proc.output(), 'shutting down');
}

/** Checks every 25 ms until `check` resolves true; false if it has not within `ms`. */
async function eventually(check: () => Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 25));
  }
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

  it('keeps the generated admin password in DATA_DIR (mode 600), prints it with its place at each start, never logs it, and warns that webhooks will be refused', async () => {
    const dataDir = tempDataDir('proc-admin');
    const start = async () => {
      const proc = spawnServer({
        PORT: '0',
        MONGODB_URI: freshDatabaseUri('proc'),
        DATA_DIR: dataDir,
        SCHEDULER: 'off',
        WATCH_RULES: 'false',
      });
      await proc.listening;
      process.kill(serverPid(proc), 'SIGTERM');
      await proc.exited;
      return proc.output();
    };
    const file = path.join(dataDir, 'admin-password');

    const first = await start();
    const m = /log in as "admin" with password (\S+) \(kept in (\S+);/.exec(first);
    expect(m).not.toBeNull();
    const [, password, keptIn] = m!;
    expect(keptIn).toBe(file);
    expect(readFileSync(file, 'utf8').trim()).toBe(password);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(first.split(password)).toHaveLength(2); // printed once, in no log line
    // No TWILIO_AUTH_TOKEN: the log says why webhooks will get 403 and how to try them locally.
    const warning = first
      .split('\n')
      .find((line) => line.includes('"message":"webhooks will be refused with 403'));
    expect(warning).toContain('TWILIO_VALIDATE_SIGNATURE=false (for local testing only)');

    const second = await start();
    expect(second).toContain(`log in as "admin" with password ${password} (kept in ${file};`);
  }, 40_000);

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
    expect(inFlight.response()).toBe(CONTINUE);

    process.kill(serverPid(proc), 'SIGTERM');
    // It stops accepting first: new connections are refused while the old request is still open.
    // Polled rather than slept for: the signal's arrival is the server's business, not a fixed
    // delay. The deadline stays inside the 6 s grace, after which the request would be cut off.
    const refused = await eventually(async () => !(await acceptsConnections(port)), 5_000);
    expect(refused).toBe(true);
    expect(proc.child.exitCode).toBeNull();
    expect(inFlight.socket.closed).toBe(false);
    expect(inFlight.response()).toBe(CONTINUE); // and no answer yet
    inFlight.socket.write(body.slice(5));

    const { code } = await proc.exited;
    // Exit code 0 means close() won the race against main.ts's own 10 s timer (which exits 1).
    expect(code).toBe(0);
    expect(shutdownMs(proc)).toBeLessThan(SHUTDOWN_BOUND_MS);
    expect(inFlight.response().startsWith(`${CONTINUE}HTTP/1.1 404 `)).toBe(true);
    expect(inFlight.response()).toContain('"code":"not_found"');
    // New connections are refused once it has stopped.
    await expect(
      new Promise((resolve, reject) =>
        net.connect(port, '127.0.0.1').once('connect', resolve).once('error', reject),
      ),
    ).rejects.toThrow(/ECONNREFUSED/);
  });

  // In a real process: Node's header timeout does not fire inside jest's test environment.
  it('answers 408 and closes the connection of a client that never finishes its request headers (slowloris), after 10 s', async () => {
    const proc = spawnServer({
      PORT: '0',
      MONGODB_URI: freshDatabaseUri('proc'),
      ADMIN_USERS: 'ops:pw',
      SCHEDULER: 'off',
      WATCH_RULES: 'false',
    });
    const port = await proc.listening;
    // Taken before connecting, so the server's 10 s (counted from its accept) cannot start earlier.
    const started = performance.now();
    const socket = net.connect(port, '127.0.0.1');
    let response = '';
    socket.on('data', (d) => (response += d.toString()));
    const closed = new Promise<boolean>((resolve) => socket.once('close', resolve));
    await new Promise((r) => socket.once('connect', r));
    socket.write('POST /twilio/sms HTTP/1.1\r\nHost: x\r\n'); // and never the rest
    const hadError = await closed;
    const elapsed = performance.now() - started;

    // The server's answer: a 408, then it closes the connection itself (no reset).
    expect(response).toMatch(/^HTTP\/1\.1 408/);
    expect(hadError).toBe(false);
    // The client had its full 10 s (headersTimeout) ...
    expect(elapsed).toBeGreaterThanOrEqual(10_000);
    // ... and by design is dropped at the next 1 s check after it (so by 11 s); the rest is
    // headroom for a loaded 2-core CI machine delaying the server's timers.
    expect(elapsed).toBeLessThan(15_000);
    // Dropping the client did not take the server down.
    expect(proc.child.exitCode).toBeNull();

    process.kill(serverPid(proc), 'SIGTERM');
    expect((await proc.exited).code).toBe(0);
  }, 40_000);

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
      expect(stuck.response()).toBe(CONTINUE);
      process.kill(serverPid(proc), 'SIGTERM');
      const { code } = await proc.exited;
      // By design ~6 s of grace, up to 1 s closing the database and 2 s stopping FerretDB: close to
      // the bound, so it is measured on the server's own clock (see shutdownMs). Exit code 0 also
      // means close() finished before main.ts's own 10 s timer, which would have exited 1.
      expect(code).toBe(0);
      expect(shutdownMs(proc)).toBeLessThan(SHUTDOWN_BOUND_MS);
      stuck.socket.destroy();

      expect(await acceptsConnections(dbPort!)).toBe(false);
      expect(processesMentioning(proc.dir)).toEqual([]);
    }, 40_000);

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
