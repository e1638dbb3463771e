// `replybot replay`: conversations stored through the webhook, replayed through candidate rules
// read from other folders; every changed reply printed, a summary by rule, nothing written.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ManualClock } from '../../src/clock';
import { runCli } from '../../src/cli/commands';
import { freshDatabaseUri } from '../support/db';
import { startTestServer, type TestServer } from '../support/server';
import { inboundForm, postSigned, PUBLIC_URL } from '../support/twilioRequests';

const TOKEN = 'replay-test-token-0123456789abcdef';
const ROOT = path.resolve(__dirname, '../..');

describe('replybot replay', () => {
  let server: TestServer;
  let uri: string;
  let candidate: string;
  const clock = new ManualClock(new Date('2026-03-04T18:00:00Z'));
  const send = (body: string, from: string) =>
    postSigned(server.url, '/twilio/sms', inboundForm({ Body: body, From: from }), TOKEN).expect(
      200,
    );

  const replay = async (args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(['replay', ...args], {
      out: (l) => out.push(l),
      err: (l) => err.push(l),
      env: { MONGODB_URI: uri, LOG_LEVEL: 'error' },
      now: () => new Date('2026-03-04T19:00:00Z'),
    });
    return { code, out, err };
  };
  const counts = async () => ({
    threads: await server.models.Thread.countDocuments(),
    messages: await server.models.Message.countDocuments(),
    schedules: await server.models.Schedule.countDocuments(),
  });

  beforeAll(async () => {
    uri = freshDatabaseUri('replay');
    server = await startTestServer(
      {
        MONGODB_URI: uri,
        PUBLIC_URL,
        TWILIO_ACCOUNT_SID: 'AC' + 'a'.repeat(32),
        TWILIO_AUTH_TOKEN: TOKEN,
      },
      { clock, label: 'replay' },
    );
    // Two weeks ago: a thread that is outside a 7-day window.
    clock.set(new Date('2026-02-18T18:00:00Z'));
    await send('hi', '+14155550301');
    // This week: a booking, and questions.
    clock.set(new Date('2026-03-03T17:00:00Z'));
    await send('menu', '+14155550302');
    await send('book a table for 4 at 7pm', '+14155550303');
    clock.set(new Date('2026-03-04T18:00:00Z'));
    await send('Grace', '+14155550303');
    await send('ok', '+14155550303');
    await send('hours?', '+14155550302');

    // The candidate: a daily special answers "menu" first, and BOOK must start the message.
    candidate = mkdtempSync(path.join(os.tmpdir(), 'replybot-replay-'));
    cpSync(path.join(ROOT, 'rules'), path.join(candidate, 'rules'), { recursive: true });
    cpSync(path.join(ROOT, 'templates'), path.join(candidate, 'templates'), { recursive: true });
    writeFileSync(
      path.join(candidate, 'rules', '05-special.yaml'),
      'rules:\n  - id: special\n    when: { equals: menu }\n    reply: { text: "Today: pumpkin latte!" }\n',
    );
  });
  afterAll(async () => {
    await server.stop();
    rmSync(candidate, { recursive: true, force: true });
  });

  it('prints nothing but the summary when the rules are the ones that answered', async () => {
    const { code, out } = await replay(['--since', '7d']);
    expect(code).toBe(0);
    expect(out).toEqual([
      'summary by rule (messages answered before → after):',
      '  book-with-details: 1 → 1 (±0)',
      '  booking-name: 1 → 1 (±0)',
      '  confirm-booking: 1 → 1 (±0)',
      '  hours: 1 → 1 (±0)',
      '  menu: 1 → 1 (±0)',
      '5 messages in 2 threads since 2026-02-25T19:00:00.000Z replayed: 0 replies would change',
    ]);
  });

  it('prints each reply the candidate rules would change, and the shift per rule', async () => {
    const before = await counts();
    const { code, out } = await replay([
      '--rules',
      path.join(candidate, 'rules'),
      '--templates',
      path.join(candidate, 'templates'),
    ]);
    expect(code).toBe(0);
    expect(out[0]).toBe(
      `+14155550302 #1 "menu": menu ${JSON.stringify(
        "Today's menu:\nEspresso $3, latte $4.50, flat white $4.50, cold brew $4, croissant $3.50, banana bread $3.\nOrder at the counter or ahead in our app.",
      )} → special "Today: pumpkin latte!"`,
    );
    expect(out.slice(1)).toEqual([
      'summary by rule (messages answered before → after):',
      '  menu: 1 → 0 (-1)',
      '  special: 0 → 1 (+1)',
      '  book-with-details: 1 → 1 (±0)',
      '  booking-name: 1 → 1 (±0)',
      '  confirm-booking: 1 → 1 (±0)',
      '  hours: 1 → 1 (±0)',
      '5 messages in 2 threads since 2026-02-25T19:00:00.000Z replayed: 1 reply would change',
    ]);
    // Replay reads only.
    expect(await counts()).toEqual(before);
  });

  it('replays each thread from its first message, so state built before the window counts', async () => {
    // Without the rule that read the size and time, "Grace" is no longer taken for a name.
    writeFileSync(
      path.join(candidate, 'rules', '10-coffee-shop.yaml'),
      readFileSync(path.join(ROOT, 'rules', '10-coffee-shop.yaml'), 'utf8').replace(
        '  - id: book-with-details',
        '  - id: book-with-details\n    enabled: false',
      ),
    );
    const { out } = await replay([
      '--since',
      '2h', // only "Grace", "ok" and "hours?" (today 18:00) are in the window; the booking is not
      '--rules',
      path.join(candidate, 'rules'),
      '--templates',
      path.join(candidate, 'templates'),
    ]);
    expect(out).toEqual(
      expect.arrayContaining([
        // "book a table …" now only asks for the size and time (rule book): the thread waits for them.
        expect.stringMatching(
          /^\+14155550303 #2 "Grace": booking-name "Thanks, Grace! .*" → booking-details-again "Sorry, I need/,
        ),
        expect.stringMatching(
          /^\+14155550303 #3 "ok": confirm-booking "Booked! .*" → booking-details-again "Sorry, I need/,
        ),
        '3 messages in 2 threads since 2026-03-04T17:00:00.000Z replayed: 2 replies would change',
      ]),
    );
  });

  it('rejects a --since that is not a duration', async () => {
    const { code, err } = await replay(['--since', 'last week']);
    expect(code).toBe(2);
    expect(err[0]).toMatch(/^replybot: --since: duration must look like/);
  });
});
