// The web console in a real headless Chromium: login, live inbox, thread and send box, simulator,
// schedules and rules, against a whole server, the embedded database and the fake Twilio.
import { unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import mongoose from 'mongoose';
import request from 'supertest';
import { createSilentLogger } from '../../src/logger';
import { countSegments } from '../../src/outbound/segments';
import { startServer } from '../../src/server';
import { TEST_ADMIN, testConfig } from '../support/config';
import { freshDatabaseUri } from '../support/db';
import { OUR_NUMBER, PUBLIC_URL, sign } from '../support/twilioRequests';
import {
  LOGIN,
  startConsoleFixture,
  typeInto,
  until,
  waitForText,
  type ConsoleFixture,
} from './support/console';

jest.setTimeout(90_000);

// Functions given to page.evaluate and friends run in the browser; tsconfig has no DOM types.
/* eslint-disable @typescript-eslint/no-explicit-any */
declare const document: any;
declare const window: any;
declare function getComputedStyle(el: unknown): { display: string };
type FormControl = { value: string; disabled: boolean; dispatchEvent(e: unknown): boolean };
declare const Event: any;

describe('the web console', () => {
  let f: ConsoleFixture;

  beforeAll(async () => {
    f = await startConsoleFixture('console');
  });
  afterEach(async () => {
    await f?.closePages();
  });
  afterAll(async () => {
    await f?.close();
  });

  it('asks for the admin credentials: the page, its assets and its event stream answer 401 without them', async () => {
    for (const route of ['/console', '/console/assets/js/main.js', '/console/events']) {
      const res = await request(f.server.url).get(route).expect(401);
      expect(res.headers['www-authenticate']).toMatch(/^Basic realm="ReplyBot"/);
    }
    await request(f.server.url).get('/console').auth(TEST_ADMIN.name, 'wrong').expect(401);

    // A browser that gives wrong credentials is shown the 401, not the console.
    const page = await f.browser.page({
      credentials: { username: TEST_ADMIN.name, password: 'wrong' },
    });
    const response = await page.goto(`${f.server.url}/console`);
    expect(response?.status()).toBe(401);
    expect(await page.$('#main')).toBeNull();
    await page.close();
  });

  it('loads everything from the server itself, within a strict CSP', async () => {
    const page = await f.browser.page({ credentials: LOGIN });
    const requested: string[] = [];
    const violations: string[] = [];
    page.on('request', (r) => requested.push(r.url()));
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
    });
    const response = await page.goto(`${f.server.url}/console#/inbox`);
    await page.waitForSelector('#live[data-state="open"]');
    await page.waitForSelector('.summary:not(:empty)');

    const csp = response!.headers()['content-security-policy'];
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https:/);
    expect(violations).toEqual([]);
    expect(requested.length).toBeGreaterThan(5);
    expect(requested.filter((url) => !url.startsWith(f.server.url))).toEqual([]);
    await page.close();
  });

  it('shows a thread that arrives while the inbox is open, without a reload', async () => {
    const contact = '+14155550161';
    const page = await f.open('#/inbox');
    await page.waitForSelector('.summary:not(:empty)');
    expect(await page.$(`.thread-row[data-contact="${contact}"]`)).toBeNull();

    await f.text(contact, 'hours?');
    const row = await page.waitForSelector(`.thread-row.fresh[data-contact="${contact}"]`);
    expect(await row!.evaluate((el) => el.textContent)).toContain('2 messages');

    await row!.click();
    await waitForText(page, '.bubble-in .bubble-body', 'hours?');
    const reply = await waitForText(page, '.bubble-rule', 'We are open 7am-7pm every day.');
    expect(reply).toContain('rule hours');
    // The thread's own title has the focus (keyboard and screen-reader users land there).
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('thread-title');

    // The open thread follows new messages too.
    await f.text(contact, 'book a table');
    await waitForText(page, '.bubble-rule', 'What name should I put it under?');
    await waitForText(page, '[data-field="state"]', 'awaiting_name');
  });

  it('opens a thread from the keyboard and sends from it: Twilio gets the message, the bubble its status', async () => {
    const contact = '+14155550162';
    await f.text(contact, 'hours');
    const page = await f.open('#/inbox');
    const link = await page.waitForSelector(`.thread-row[data-contact="${contact}"]`);
    await link!.focus();
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.activeElement?.id === 'thread-title');

    await page.type('#compose-body', 'Your table is ready');
    expect(await page.$eval('#compose-meter', (el) => el.textContent)).toBe(
      '19 characters · 1 segment · GSM-7',
    );
    await page.type('#compose-body', ' ’');
    expect(await page.$eval('#compose-meter', (el) => el.textContent)).toContain(
      'UCS-2 because of: ’',
    );
    await page.keyboard.press('Backspace');
    await page.keyboard.press('Backspace');

    await page.click('.composer button[type="submit"]');
    await until(() => f.fake.requests.some((r) => r.to === contact), 'the send to reach Twilio');
    const sent = f.fake.requests.find((r) => r.to === contact)!;
    expect(sent).toMatchObject({ body: 'Your table is ready', from: OUR_NUMBER, status: 201 });
    const bubble = await page.waitForSelector('.bubble-api[data-status="queued"]');
    expect(await bubble!.evaluate((el) => el.textContent)).toContain('Your table is ready');
    expect(await page.$eval('#compose-body', (el) => (el as unknown as FormControl).value)).toBe(
      '',
    );

    // Twilio's status callback arrives; the open thread shows it without a reload.
    const stored = await f.server.models.Message.findOne({
      contact,
      direction: 'outbound',
      status: 'queued',
    }).lean();
    const form = {
      MessageSid: stored!.sid!,
      MessageStatus: 'delivered',
      To: contact,
      From: OUR_NUMBER,
    };
    await request(f.server.url)
      .post('/twilio/status')
      .type('form')
      .set('X-Twilio-Signature', sign(f.fake.authToken, `${PUBLIC_URL}/twilio/status`, form))
      .send(new URLSearchParams(form).toString())
      .expect(204);
    await page.waitForSelector('.bubble-api[data-status="delivered"]');
  });

  it('blocks the send box of a contact who opted out, and says why', async () => {
    const contact = '+14155550163';
    await f.text(contact, 'hours');
    await f.text(contact, 'STOP');
    const page = await f.open(`#/inbox/${encodeURIComponent(contact)}`);
    const blocked = await waitForText(page, '.blocked', 'opted out');
    expect(blocked).toContain('until they text START');
    expect(await page.$eval('#compose-body', (el) => (el as unknown as FormControl).disabled)).toBe(
      true,
    );
    expect(await page.$eval('.thread-flags', (el) => el.textContent)).toContain('Opted out');

    // Searching by number finds it, written the way people write numbers.
    await page.goto(`${f.server.url}/console#/inbox`);
    await page.waitForSelector('.summary:not(:empty)');
    await page.type('#inbox-number', '+1 (415) 555-0163');
    await page.click('.filters button[type="submit"]');
    await waitForText(page, '.summary', '1–1 of 1 thread matching number +14155550163');
    expect(
      await page.$$eval('.thread-row', (rows) => rows.map((r) => r.getAttribute('data-contact'))),
    ).toEqual([contact]);
  });

  it('finds threads by tag', async () => {
    const contact = '+14155550164';
    await f.text(contact, 'book');
    await f.text(contact, 'Ada');
    const page = await f.open('#/inbox');
    await page.type('#inbox-tag', 'booked');
    await page.click('.filters button[type="submit"]');
    await waitForText(page, '.summary', 'matching tag “booked”');
    const contacts = await page.$$eval('.thread-row', (rows) =>
      rows.map((r) => r.getAttribute('data-contact')),
    );
    expect(contacts).toContain(contact);
    expect(contacts).not.toContain('+14155550162');
  });

  it('the phone simulator carries the conversation from message to message, stores and sends nothing, and resets', async () => {
    const simulated = '+15555550123';
    const requestsBefore = f.fake.requests.length;
    const page = await f.open('#/simulator');
    await typeInto(page, '#sim-from', simulated);
    const say = async (text: string) => {
      await page.type('#sim-text', text);
      await page.keyboard.press('Enter');
      await waitForText(page, '.sim-last dd', text);
    };

    await say('book a table for 4');
    expect(await page.$eval('#sim-rule', (el) => el.textContent)).toContain('book');
    await waitForText(page, '.sim-bot', 'What name should I put it under?');
    expect(await page.$eval('#sim-state', (el) => el.textContent)).toBe('awaiting_name');

    await say('Grace');
    expect(await page.$eval('#sim-rule', (el) => el.textContent)).toContain('got-name');
    await waitForText(page, '.sim-bot', 'Thanks Grace, you are booked.');
    expect(await page.$eval('#sim-state', (el) => el.textContent)).toBe('none');
    expect(await page.$eval('#sim-vars', (el) => el.textContent)).toContain('Grace');
    expect(await page.$eval('#sim-tags', (el) => el.textContent)).toContain('booked');
    expect(await page.$eval('#sim-followups', (el) => el.textContent)).toContain(
      'See you soon, Grace!',
    );

    // The state survives leaving the simulator and coming back.
    await page.click('[data-nav="rules"]');
    await page.waitForSelector('#rules-table');
    await page.click('[data-nav="simulator"]');
    expect(await page.$eval('#sim-tags', (el) => el.textContent)).toContain('booked');

    expect(await f.server.models.Thread.countDocuments({ contact: simulated })).toBe(0);
    expect(await f.server.models.Message.countDocuments({ contact: simulated })).toBe(0);
    expect(await f.server.models.Schedule.countDocuments({ to: simulated })).toBe(0);
    expect(f.fake.requests.length).toBe(requestsBefore);

    await page.click('#sim-reset');
    await page.waitForFunction(() => document.querySelector('#sim-tags')?.textContent === 'none');
    expect(await page.$$('.sim-bubble')).toHaveLength(0);
    // A fresh contact: "Grace" alone is no longer the answer to a question.
    await say('Grace');
    expect(await page.$eval('#sim-rule', (el) => el.textContent)).not.toContain('got-name');
  });

  it('the simulator answers an opted-out contact as the webhook does: only START and HELP', async () => {
    const page = await f.open('#/simulator');
    await page.click('#sim-reset');
    const say = async (text: string) => {
      await page.type('#sim-text', text);
      await page.keyboard.press('Enter');
      await waitForText(page, '.sim-last dd', text);
    };
    await say('STOP');
    await waitForText(page, '.sim-header', 'Opted out');
    await say('hours');
    await waitForText(page, '.sim-note', 'No reply: this contact opted out');
    await say('START');
    await page.waitForFunction(
      () => !document.querySelector('.sim-header')?.textContent?.includes('Opted out'),
    );
    await say('hours');
    await waitForText(page, '.sim-bot', 'We are open 7am-7pm every day.');
  });

  it('creates a schedule, shows the API’s validation errors beside the fields and its next fires, pauses, resumes and cancels', async () => {
    const page = await f.open('#/schedules');
    await page.waitForSelector('.summary:not(:empty)');

    // One-off with a number that is not one: the API's 400 lands beside "To".
    await page.type('#sched-name', 'table ready');
    await page.type('#sched-to', '12345');
    await page.type('#sched-body', 'Your table is ready');
    await page.click('.schedule-form button[type="submit"]');
    await waitForText(page, '#sched-sendAt-error', 'Choose the date and time');
    await page.$eval('#sched-sendAt', (el) => {
      const input = el as unknown as FormControl;
      input.value = '2031-06-01T09:30';
      input.dispatchEvent(new Event('input', { bubbles: true }));
    });
    await page.click('.schedule-form button[type="submit"]');
    await waitForText(page, '#sched-to-error', 'E.164');
    expect(await page.$eval('#sched-to', (el) => el.getAttribute('aria-invalid'))).toBe('true');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('sched-to');

    await typeInto(page, '#sched-to', '+14155550170, +14155550171');
    await page.click('.schedule-form button[type="submit"]');
    const row = await waitForText(page, '#schedules-table tbody tr', 'table ready');
    expect(row).toContain('+14155550170, +14155550171');
    expect(row).toContain('active');
    const oneOff = (
      await request(f.server.url).get('/api/schedules').auth(TEST_ADMIN.name, TEST_ADMIN.password)
    ).body.items.find((s: { name: string }) => s.name === 'table ready');
    // The browser's wall-clock time (UTC in this test) is sent with its offset.
    expect(oneOff).toMatchObject({
      sendAt: '2031-06-01T09:30:00.000Z',
      body: 'Your table is ready',
    });

    // Recurring, with a time zone that does not exist: the error is beside the time zone.
    await page.type('#sched-name', 'weekly');
    await page.type('#sched-to', 'tag:vip');
    await page.type('#sched-body', 'Members night on Friday');
    await page.click('#sched-when-cron');
    await page.type('#sched-cron', '0 9 * * 1');
    await page.type('#sched-timezone', 'Mars/Olympus');
    await page.click('.schedule-form button[type="submit"]');
    await waitForText(page, '#sched-timezone-error', 'IANA time zone');
    await typeInto(page, '#sched-timezone', 'Europe/Berlin');
    await page.click('.schedule-form button[type="submit"]');
    await waitForText(page, '#schedules-table tbody tr', 'weekly');
    const weeklyRow = '#schedules-table tbody tr[data-status]:first-child';
    expect(await page.$eval(weeklyRow, (el) => el.textContent)).toContain('Europe/Berlin');

    // Its details: the next Monday 09:00 fires in Berlin, and no fire yet.
    await page.click(`${weeklyRow} button.link`);
    await waitForText(page, '.sched-more', 'Recent fires');
    const more = await page.$eval('.sched-more', (el) =>
      Array.from(
        el.children as ArrayLike<{
          textContent: string;
          querySelectorAll(s: string): ArrayLike<unknown>;
        }>,
      ).map((part) => ({
        text: part.textContent,
        items: part.querySelectorAll('li').length,
      })),
    );
    expect(more[0].text).toMatch(/^Next fires/);
    expect(more[0].items).toBeGreaterThan(1);
    expect(more[1]).toEqual({ text: 'Recent firesnone yet', items: 0 });

    await page.click(`${weeklyRow} button.secondary`); // Pause
    await page.waitForFunction(
      (sel) => document.querySelector(sel)?.querySelector('.badge')?.textContent === 'paused',
      {},
      weeklyRow,
    );
    await page.click(`${weeklyRow} button.secondary`); // Resume
    await page.waitForFunction(
      (sel) => document.querySelector(sel)?.querySelector('.badge')?.textContent === 'active',
      {},
      weeklyRow,
    );

    const id = await page.$eval(weeklyRow, (el) => el.getAttribute('data-id'));
    await page.click(`${weeklyRow} button.danger`); // Cancel
    await page.waitForSelector('dialog.confirm[open]');
    await page.click('dialog.confirm button.danger');
    await page.waitForSelector(`#schedules-table tr[data-id="${id}"][data-status="canceled"]`);
    const stored = await request(f.server.url)
      .get(`/api/schedules/${id}`)
      .auth(TEST_ADMIN.name, TEST_ADMIN.password)
      .expect(200);
    expect(stored.body).toMatchObject({
      status: 'canceled',
      cron: '0 9 * * 1',
      timezone: 'Europe/Berlin',
    });
  });

  it('shows the loaded rules, and a load error with file:line:column after a broken edit', async () => {
    const page = await f.open('#/rules');
    const table = await waitForText(page, '#rules-table', 'got-name');
    expect(table).toContain('rules/main.yaml:');
    // Hits and unmatched messages come from routes that may not be on this server yet.
    const stats = await request(f.server.url)
      .get('/api/rules/stats?since=7d')
      .auth(TEST_ADMIN.name, TEST_ADMIN.password);
    if (stats.status === 404) await page.waitForSelector('[data-unavailable]');
    else if (stats.status === 200) await page.waitForSelector('#rules-totals');

    const broken = path.join(f.botDir, 'rules', 'zz-broken.yaml');
    writeFileSync(broken, 'rules:\n  - id: oops\n    when: { keyword: oops }\n    colour: blue\n');
    try {
      await page.click('.rules .toolbar button');
      const alert = await waitForText(page, '#rules-load-error', 'zz-broken.yaml:4:5');
      expect(alert).toContain('colour');
      expect(alert).toContain('The last good set stays in force');
      expect(await page.$eval('#rules-load-error .where', (el) => el.textContent)).toMatch(
        /zz-broken\.yaml:4:5$/,
      );
    } finally {
      unlinkSync(broken);
      await request(f.server.url)
        .post('/api/rules/reload')
        .auth(TEST_ADMIN.name, TEST_ADMIN.password)
        .expect(200);
    }
  });

  it('counts segments in the browser exactly as the server does', async () => {
    const page = await f.open('#/inbox');
    const bodies = [
      '',
      'hello',
      'a'.repeat(160),
      'a'.repeat(161),
      '€'.repeat(80),
      '€'.repeat(81),
      'x'.repeat(152) + '€',
      'café ☕',
      'é'.repeat(70),
      'ü'.repeat(200),
      '“quoted”',
      '😀'.repeat(35),
      '😀'.repeat(36),
      'a' + '😀'.repeat(33) + 'b',
      '[]{}|^~\\\f',
      'line\nbreak\r\n',
    ];
    // The module the console imports is src/outbound/segments.ts itself, served for the browser.
    // As a string: TypeScript would turn a dynamic import() in a function into require().
    const inBrowser = await page.evaluate(
      `import('/console/assets/js/segments.js').then((m) => ${JSON.stringify(bodies)}.map((b) => m.countSegments(b)))`,
    );
    expect(inBrowser).toEqual(bodies.map((b) => countSegments(b)));
  });

  it('works at phone width: the inbox, then one thread with a way back', async () => {
    const page = await f.open('#/inbox', { width: 390, height: 844 });
    const row = await page.waitForSelector('.thread-row[data-contact="+14155550161"]');
    expect(await page.$eval('.thread-pane', (el) => getComputedStyle(el).display)).toBe('none');
    await row!.click();
    await page.waitForSelector('.bubble');
    expect(await page.$eval('.list-pane', (el) => getComputedStyle(el).display)).toBe('none');
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - window.innerWidth,
    );
    expect(overflow).toBeLessThanOrEqual(0);
    await page.click('.back-link');
    await page.waitForFunction(
      () => getComputedStyle(document.querySelector('.list-pane')!).display !== 'none',
    );
  });

  it('ends its event streams at shutdown instead of holding the drain until the grace runs out', async () => {
    // Its own server, with a long grace: an open stream that is not ended would hold close() 20 s.
    const uri = freshDatabaseUri('console-close');
    const config = testConfig({
      MONGODB_URI: uri,
      RULES_DIR: path.join(f.botDir, 'rules'),
      TEMPLATES_DIR: path.join(f.botDir, 'templates'),
    });
    const handle = await startServer(config, createSilentLogger(), { shutdownGraceMs: 20_000 });
    const page = await f.browser.page({ credentials: LOGIN });
    try {
      await page.goto(`${handle.url}/console#/inbox`);
      await page.waitForSelector('#live[data-state="open"]');
      const started = Date.now();
      await handle.close();
      expect(Date.now() - started).toBeLessThan(10_000);
      await page.waitForSelector('#live[data-state="down"]');
    } finally {
      await page.close();
      await handle.close();
      const conn = await mongoose.createConnection(uri).asPromise();
      await conn.dropDatabase().catch(() => undefined);
      await conn.close();
    }
  });
});
