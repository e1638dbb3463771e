// The database goes away under a running server: texters are still answered, nothing is lost, and
// once it is back every message is stored exactly once, in order.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { EmbeddedDatabase, ensureFerretdb } from '../../src/db/embedded';
import { createSilentLogger } from '../../src/logger';
import { startServer, type ServerHandle } from '../../src/server';
import { TEST_ADMIN, testConfig } from '../support/config';
import { portOutsideEphemeralRange } from '../support/db';
import { FIXTURE_BOT } from '../support/server';
import { PUBLIC_URL, inboundForm, messagesIn, postSigned } from '../support/twilioRequests';

const TOKEN = 'outage-test-token-0123456789abcde';

describe('database outage', () => {
  let db: EmbeddedDatabase;
  let dir: string;
  let server: ServerHandle;
  const text = (from: string, body: string) =>
    postSigned(server.url, '/twilio/sms', inboundForm({ From: from, Body: body }), TOKEN);

  beforeAll(async () => {
    const logger = createSilentLogger();
    dir = mkdtempSync(path.join(os.tmpdir(), 'replybot-outage-'));
    // Its own database process, which the test stops and starts: the shared one of the other
    // suites is never touched. On a port no other suite's listen(0) or connection can be given
    // while it is down, so it comes back on the same one.
    db = await EmbeddedDatabase.start({
      binary: await ensureFerretdb(logger),
      dir: path.join(dir, 'db'),
      port: await portOutsideEphemeralRange(),
      logger,
    });
    server = await startServer(
      testConfig({
        MONGODB_URI: db.uri('outage'),
        DATA_DIR: path.join(dir, 'data'),
        RULES_DIR: path.join(FIXTURE_BOT, 'rules'),
        TEMPLATES_DIR: path.join(FIXTURE_BOT, 'templates'),
        PUBLIC_URL,
        TWILIO_ACCOUNT_SID: 'AC' + 'e'.repeat(32),
        TWILIO_AUTH_TOKEN: TOKEN,
      }),
      logger,
      { shutdownGraceMs: 500 },
    );
  });
  afterAll(async () => {
    await server.close();
    await db.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers 100 messages while the database is stopped and stores each exactly once when it returns', async () => {
    // Before the outage: a contact starts a booking, so its thread (state awaiting_name) is cached.
    expect(messagesIn((await text('+14155550161', 'book').expect(200)).text)).toEqual([
      'What name should I put it under?',
    ]);

    await db.stop();

    // During the outage: 100 messages from 10 contacts; replies keep coming, state included.
    const during = await text('+14155550161', 'Ada').expect(200);
    expect(messagesIn(during.text)).toEqual(['Thanks Ada, you are booked.']);
    const forms = [];
    for (let i = 0; i < 99; i++)
      forms.push(
        inboundForm({
          From: `+141555502${String(i % 10).padStart(2, '0')}`,
          Body: i % 2 ? 'hours' : 'order 12345',
        }),
      );
    for (const form of forms) {
      const res = await postSigned(server.url, '/twilio/sms', form, TOKEN).expect(200);
      expect(messagesIn(res.text)).toHaveLength(1);
    }
    // The admin API says honestly that it cannot answer.
    const admin = await request(server.url)
      .get('/api/threads')
      .auth(TEST_ADMIN.name, TEST_ADMIN.password);
    expect(admin.status).toBe(503);
    expect(admin.body.error.code).toBe('database_unavailable');
    // So does a status callback: it has nowhere to record the status (nothing is journalled).
    const status = await postSigned(
      server.url,
      '/twilio/status',
      { MessageSid: 'SM' + 'a'.repeat(32), MessageStatus: 'delivered' },
      TOKEN,
    );
    expect(status.status).toBe(503);
    expect(status.body.error.code).toBe('database_unavailable');

    // A retry during the outage gets the same answer and is not journalled twice.
    const retry = await postSigned(server.url, '/twilio/sms', forms[0], TOKEN).expect(200);
    expect(messagesIn(retry.text)).toEqual(['Order 12345 is on its way.']);

    await db.start();

    // The journal is replayed once the database answers again.
    const Message = server.models.Message;
    let stored = 0;
    for (let i = 0; i < 100 && stored < 101; i++) {
      await new Promise((r) => setTimeout(r, 200));
      stored = await Message.countDocuments({ direction: 'inbound' }).catch(() => 0);
    }
    expect(stored).toBe(101);
    for (const form of forms)
      expect(await Message.countDocuments({ sid: form.MessageSid })).toBe(1);
    const threads = await server.models.Thread.find({ contact: /^\+141555502/ }).lean();
    expect(threads.map((t) => t.inboundCount).sort()).toEqual(
      Array(10)
        .fill(10)
        .map((n, i) => (i === 9 ? 9 : n))
        .sort(),
    );
    const ada = await server.models.Thread.findOne({ contact: '+14155550161' }).lean();
    expect(ada).toMatchObject({ inboundCount: 2, vars: { name: 'Ada' }, state: null });

    // And the server is back to normal.
    await request(server.url).get('/health').expect(200);
    expect(messagesIn((await text('+14155550162', 'hours').expect(200)).text)).toHaveLength(1);
  }, 60_000);
});
