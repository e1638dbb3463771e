// Editors change files; the running server follows. A broken set is reported and never replaces a good one.
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { TEST_ADMIN } from '../support/config';
import { startTestServer, type TestServer } from '../support/server';
import { inboundForm, messagesIn, postSigned, PUBLIC_URL } from '../support/twilioRequests';

const TOKEN = 'reload-test-token-0123456789abcdef';

async function eventually<T>(
  probe: () => Promise<T>,
  accept: (value: T) => boolean,
  timeoutMs = 5000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await probe();
  while (!accept(value) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    value = await probe();
  }
  return value;
}

describe('live reload of rules and templates', () => {
  let dir: string;
  let server: TestServer;
  const rulesFile = () => path.join(dir, 'rules', 'main.yaml');
  const ask = async (body: string) =>
    messagesIn(
      (await postSigned(server.url, '/twilio/sms', inboundForm({ Body: body }), TOKEN).expect(200))
        .text,
    );
  const status = async () =>
    (
      await request(server.url)
        .get('/api/rules')
        .auth(TEST_ADMIN.name, TEST_ADMIN.password)
        .expect(200)
    ).body;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'replybot-reload-'));
    cpSync(path.resolve(__dirname, '../fixtures/bot'), dir, { recursive: true });
    server = await startTestServer(
      {
        RULES_DIR: path.join(dir, 'rules'),
        TEMPLATES_DIR: path.join(dir, 'templates'),
        WATCH_RULES: 'true',
        PUBLIC_URL,
        TWILIO_ACCOUNT_SID: 'AC' + 'a'.repeat(32),
        TWILIO_AUTH_TOKEN: TOKEN,
      },
      { label: 'reload' },
    );
  });
  afterAll(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists what is loaded', async () => {
    const body = await status();
    expect(body.rules.map((r: { id: string }) => r.id)).toContain('hours');
    expect(body.templates).toEqual(expect.arrayContaining(['hours', 'help', 'fallback']));
    expect(body.lastError).toBeNull();
    expect(body.version).toEqual(expect.any(String));
  });

  it('picks up an edited template without a restart', async () => {
    expect(await ask('hours')).toEqual(['We are open 7am-7pm every day. - Test Cafe']);
    writeFileSync(path.join(dir, 'templates', 'hours.hbs'), 'Now open 24/7!\n');
    const reply = await eventually(
      () => ask('hours'),
      (r) => r[0] === 'Now open 24/7!',
    );
    expect(reply).toEqual(['Now open 24/7!']);
  });

  it('picks up a new rule file', async () => {
    writeFileSync(
      path.join(dir, 'rules', 'zz-new.yaml'),
      'rules:\n  - id: coffee\n    when: { keyword: coffee }\n    reply: { text: Fresh pot on. }\n',
    );
    // The earlier file has no catch-all, so the new rule answers.
    expect(
      await eventually(
        () => ask('coffee'),
        (r) => r[0] === 'Fresh pot on.',
      ),
    ).toEqual(['Fresh pot on.']);
  });

  it('reports a broken file with file:line:column and keeps the last good rules in force', async () => {
    const before = await status();
    writeFileSync(
      rulesFile(),
      'rules:\n  - id: hours\n    when: { keyword: hours }\n    reply: { template: no-such-template }\n    colour: blue\n',
    );
    const after = await eventually(status, (s) => s.lastError !== null);
    expect(after.lastError.errors).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/rules\/main\.yaml:4:\d+ .*no-such-template/),
        expect.stringMatching(/rules\/main\.yaml:5:5 .*colour/),
      ]),
    );
    expect(after.version).toBe(before.version);
    expect(await ask('hours')).toEqual(['Now open 24/7!']);
  });

  it('POST /api/rules/reload answers 422 with the errors while the files are broken, 200 once fixed', async () => {
    const bad = await request(server.url)
      .post('/api/rules/reload')
      .auth(TEST_ADMIN.name, TEST_ADMIN.password)
      .expect(422);
    // The documented error shape, the file and line of each problem in its details.
    expect(bad.body.error).toEqual({
      code: 'rules_invalid',
      message: expect.stringMatching(/^The rules were not loaded: \S*rules\/main\.yaml:\d+/),
      details: {
        at: expect.any(String),
        errors: expect.arrayContaining([expect.stringMatching(/rules\/main\.yaml:\d+:\d+ /)]),
      },
    });

    writeFileSync(
      rulesFile(),
      'rules:\n  - id: hours\n    when: { keyword: hours }\n    reply: { text: Back to normal. }\n',
    );
    const good = await request(server.url)
      .post('/api/rules/reload')
      .auth(TEST_ADMIN.name, TEST_ADMIN.password)
      .expect(200);
    expect(good.body).toMatchObject({
      lastError: null,
      rules: expect.arrayContaining([expect.objectContaining({ id: 'hours' })]),
    });
    expect(await ask('hours')).toEqual(['Back to normal.']);
  });
});
