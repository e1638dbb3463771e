// No message in limbo: a real server process is killed (SIGKILL) while its Twilio call is held by
// the fake Twilio, then started again on the same data. Whether the request had reached Twilio or
// not, the message ends at Twilio exactly once, and its record carries Twilio's SID.
import mongoose, { type Connection } from 'mongoose';
import request from 'supertest';
import { tempDataDir } from '../support/config';
import { freshDatabaseUri } from '../support/db';
import { startFakeTwilio, type FakeTwilio } from '../support/fakeTwilio';
import {
  eventually,
  killAll,
  serverPid,
  spawnServer,
  type ServerProcess,
} from '../support/process';

const FROM = '+14155550100';
const AUTH = ['ops', 'pw'] as const;

let fake: FakeTwilio;
let databaseUri: string;
let db: Connection;
const running: ServerProcess[] = [];

beforeAll(async () => {
  fake = await startFakeTwilio();
  databaseUri = freshDatabaseUri('send_crash');
  db = await mongoose.createConnection(databaseUri).asPromise();
});

afterEach(async () => {
  fake.reset();
  await killAll(running);
});

afterAll(async () => {
  await db.dropDatabase().catch(() => undefined);
  await db.close();
  await fake.close();
});

/** A server on `dataDir` and the test's database, sending through the fake Twilio. */
async function start(dataDir: string, scheduler = false) {
  const proc = spawnServer({
    PORT: '0',
    ADMIN_USERS: AUTH.join(':'),
    WATCH_RULES: 'false',
    SCHEDULER: scheduler ? 'on' : 'off',
    MONGODB_URI: databaseUri,
    DATA_DIR: dataDir,
    TWILIO_ACCOUNT_SID: fake.accountSid,
    TWILIO_AUTH_TOKEN: fake.authToken,
    TWILIO_API_URL: fake.url,
    TWILIO_FROM: FROM,
    // A dead attempt is taken over 2 s after its last renewal (the default is 30 s).
    SEND_LEASE: '2s',
  });
  running.push(proc);
  const port = await proc.listening;
  return { proc, url: `http://127.0.0.1:${port}` };
}

async function crash(proc: ServerProcess): Promise<void> {
  process.kill(await serverPid(proc), 'SIGKILL');
  await proc.exited;
}

/**
 * Repeats a send with its Idempotency-Key until it gets an answer other than a network error, a
 * 5xx or 409 send_in_progress (whose Retry-After it honours), as an admin's script would.
 */
async function sendUntilAnswered(url: string, key: string, body: string) {
  const answers: number[] = [];
  for (let i = 0; i < 40; i++) {
    const res = await request(url)
      .post('/api/messages')
      .auth(...AUTH)
      .set('Idempotency-Key', key)
      .send({ to: '+14155550123', body })
      .then(
        (r) => r,
        () => null,
      );
    if (res) answers.push(res.status);
    if (res && res.status < 500 && res.body.error?.code !== 'send_in_progress') {
      return { res, answers };
    }
    const wait = res?.status === 409 ? Number(res.headers['retry-after']) * 1000 : 250;
    expect(wait).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, Math.min(wait, 1000)));
  }
  throw new Error(`no final answer for ${key}: ${answers.join(', ')}`);
}

const createdWith = (body: string) => fake.created.filter((r) => r.body === body);
const stored = (body: string) =>
  db.collection('messages').find({ body, direction: 'outbound' }).toArray();

describe('an admin send whose server crashed during the Twilio call', () => {
  it.each([
    ['before Twilio received it: sent once after the restart', 'drop'],
    ['after Twilio accepted it, before its SID was stored: not sent again, SID adopted', 'accept'],
  ] as const)(
    '%s',
    async (_, twilio) => {
      const dataDir = tempDataDir('send-crash');
      const body = `crash ${twilio} ${Date.now()}`;
      const key = `crash-${twilio}-${Date.now()}`;
      const first = await start(dataDir);
      fake.hold();
      const lost = request(first.url)
        .post('/api/messages')
        .auth(...AUTH)
        .set('Idempotency-Key', key)
        .send({ to: '+14155550123', body })
        .then(
          () => 'answered',
          () => 'cut off',
        );
      await fake.untilHeld(1, 20_000);
      await crash(first.proc);
      expect(await lost).toBe('cut off');
      // The held request: lost on the way (never reached Twilio), or accepted with nobody to answer.
      if (twilio === 'drop') fake.dropHeld();
      else fake.release();
      // Twilio creates the accepted message as it answers, a moment after the release.
      const atTwilio = twilio === 'drop' ? 0 : 1;
      expect(await eventually(() => createdWith(body).length === atTwilio, 5000)).toBe(true);

      const second = await start(dataDir);
      const { res } = await sendUntilAnswered(second.url, key, body);

      expect(res.status).toBe(202);
      expect(createdWith(body)).toHaveLength(1);
      const sidAtTwilio = fake.created.length && (await twilioSidOf(body));
      expect(res.body).toMatchObject({ sid: sidAtTwilio, to: '+14155550123', from: FROM });
      expect(await stored(body)).toEqual([
        expect.objectContaining({ sid: sidAtTwilio, status: 'queued', attemptOwner: null }),
      ]);
      // Later repeats answer the same, and nothing more reaches Twilio.
      const again = await sendUntilAnswered(second.url, key, body);
      expect(again.res.body).toMatchObject({ id: res.body.id, sid: sidAtTwilio });
      expect(createdWith(body)).toHaveLength(1);
      const metrics = await request(second.url).get('/metrics');
      expect(metrics.text).toMatch(
        twilio === 'drop'
          ? /replybot_send_reconciliations_total\{outcome="resent"\} 1/
          : /replybot_send_reconciliations_total\{outcome="reconciled"\} 1/,
      );
    },
    120_000,
  );

  it('is resolved by the recovery pass at start even when nobody repeats it', async () => {
    const dataDir = tempDataDir('send-crash');
    const body = `crash unrepeated ${Date.now()}`;
    const first = await start(dataDir);
    fake.hold();
    void request(first.url)
      .post('/api/messages')
      .auth(...AUTH)
      .set('Idempotency-Key', `unrepeated-${Date.now()}`)
      .send({ to: '+14155550123', body })
      .catch(() => undefined);
    await fake.untilHeld(1, 20_000);
    await crash(first.proc);
    fake.release(); // Twilio took it; the answer went nowhere

    await start(dataDir);
    expect(
      await eventually(
        async () => (await stored(body))[0]?.sid === (await twilioSidOf(body)),
        30_000,
      ),
    ).toBe(true);
    expect(createdWith(body)).toHaveLength(1);
  }, 120_000);
});

describe('a send whose attempt died while Twilio cannot be asked', () => {
  it('is unknown, listed by GET /api/messages?status=unknown and counted, until Twilio answers again', async () => {
    const dataDir = tempDataDir('send-crash');
    const body = `crash unknown ${Date.now()}`;
    const first = await start(dataDir);
    fake.hold();
    void request(first.url)
      .post('/api/messages')
      .auth(...AUTH)
      .send({ to: '+14155550125', body })
      .catch(() => undefined);
    await fake.untilHeld(1, 20_000);
    await crash(first.proc);
    fake.dropHeld();
    fake.failNext(1_000_000, { status: 503, code: 20500, message: 'Service unavailable' });

    const second = await start(dataDir);
    const listUnknown = () =>
      request(second.url)
        .get('/api/messages?status=unknown')
        .auth(...AUTH)
        .expect(200);
    // One read both waits and answers: between two reads, a reconciliation pass may be holding
    // the send (on a loaded machine it can be), and the second read would not list it.
    let listed: { total: number; items: Record<string, unknown>[] } = { total: 0, items: [] };
    const isListed = async () => {
      listed = (await listUnknown()).body;
      return listed.total === 1 && listed.items.length === 1;
    };
    expect(await eventually(isListed, 30_000)).toBe(true);
    const [unknown] = listed.items;
    expect(unknown).toMatchObject({ body, status: 'unknown', sid: null });
    expect(unknown.errorMessage).toMatch(/^Twilio could not be asked/);
    const metrics = (await request(second.url).get('/metrics')).text;
    expect(metrics).toMatch(/replybot_send_reconciliations_total\{outcome="unknown"\} [1-9]/);
    expect(createdWith(body)).toHaveLength(0);

    fake.failNext(0, { status: 503 }); // Twilio is back
    expect(await eventually(async () => (await stored(body))[0]?.status === 'queued', 30_000)).toBe(
      true,
    );
    expect(createdWith(body)).toHaveLength(1);
    expect((await listUnknown()).body.total).toBe(0);
  }, 120_000);
});

describe('a scheduled send whose server crashed during the Twilio call', () => {
  it.each([
    ['before Twilio received it: sent once after the restart', 'drop'],
    ['after Twilio accepted it: not sent again, SID adopted', 'accept'],
  ] as const)(
    '%s',
    async (_, twilio) => {
      const dataDir = tempDataDir('sched-crash');
      const body = `scheduled crash ${twilio} ${Date.now()}`;
      const first = await start(dataDir, true);
      fake.hold();
      const created = await request(first.url)
        .post('/api/schedules')
        .auth(...AUTH)
        .send({ to: '+14155550124', body, sendAt: new Date(Date.now() + 500).toISOString() })
        .expect(201);
      await fake.untilHeld(1, 30_000);
      await crash(first.proc);
      if (twilio === 'drop') fake.dropHeld();
      else fake.release();

      await start(dataDir, true);
      const resolved = await eventually(async () => {
        const [message] = await stored(body);
        return message?.sid !== null && message?.sid !== undefined && createdWith(body).length > 0;
      }, 60_000);

      expect(resolved).toBe(true);
      expect(createdWith(body)).toHaveLength(1);
      expect(await stored(body)).toEqual([
        expect.objectContaining({ sid: await twilioSidOf(body), schedule: expect.anything() }),
      ]);
      expect(String((await stored(body))[0]!.schedule)).toBe(created.body.id);
    },
    150_000,
  );
});

/** The SID the fake Twilio gave the message with this body, read through its list endpoint. */
async function twilioSidOf(body: string): Promise<string | undefined> {
  const res = await request(fake.url)
    .get(`/2010-04-01/Accounts/${fake.accountSid}/Messages.json`)
    .auth(fake.accountSid, fake.authToken)
    .expect(200);
  return (res.body.messages as { sid: string; body: string }[]).find((m) => m.body === body)?.sid;
}
