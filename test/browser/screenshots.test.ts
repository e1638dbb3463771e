// The README's pictures of the console (docs/console-*.png), taken with the example rules and a few
// conversations. Runs only when asked: CONSOLE_SCREENSHOTS=docs npm test -- test/browser/screenshots
import path from 'node:path';
import type { Page } from 'puppeteer-core';
import request from 'supertest';
import { TEST_ADMIN } from '../support/config';
import { OUR_NUMBER, PUBLIC_URL, sign } from '../support/twilioRequests';
import { startConsoleFixture, waitForText, type ConsoleFixture } from './support/console';

jest.setTimeout(180_000);

const target = process.env.CONSOLE_SCREENSHOTS;
const ROOT = path.resolve(__dirname, '../..');
const describeIf = target ? describe : describe.skip;

describeIf('screenshots of the console', () => {
  let f: ConsoleFixture;
  const dir = path.resolve(ROOT, target ?? 'docs');
  const shot = (page: Page, name: string) =>
    page.screenshot({ path: path.join(dir, `console-${name}.png`) });
  const admin = () => request(f.server.url);
  const send = async (to: string, body: string) =>
    (
      await admin()
        .post('/api/messages')
        .auth(TEST_ADMIN.name, TEST_ADMIN.password)
        .send({ to, body })
        .expect(202)
    ).body as { id: string };
  const status = async (id: string, MessageStatus: string, ErrorCode?: string) => {
    const m = await f.server.models.Message.findById(id).lean();
    const form: Record<string, string> = { MessageSid: m!.sid!, MessageStatus };
    if (ErrorCode) form.ErrorCode = ErrorCode;
    await admin()
      .post('/twilio/status')
      .type('form')
      .set('X-Twilio-Signature', sign(f.fake.authToken, `${PUBLIC_URL}/twilio/status`, form))
      .send(new URLSearchParams(form).toString())
      .expect(204);
  };

  beforeAll(async () => {
    f = await startConsoleFixture('console-shots', {
      // The example rules where they are, so the Rules page shows rules/10-coffee-shop.yaml:14.
      rules: path.join(ROOT, 'rules'),
      templates: path.join(ROOT, 'templates'),
      inPlace: true,
    });
    const ada = '+14155550123';
    for (const body of ['hi', 'book a table for 4 at 7pm', 'Ada']) await f.text(ada, body);
    const ready = await send(ada, 'Your table for 4 is ready at 7pm. See you soon!');
    await status(ready.id, 'delivered');
    for (const body of ['menu', 'how much is a latte']) await f.text('+14155550187', body);
    const order = await send('+14155550187', 'Your oat latte is ready at the counter.');
    await status(order.id, 'undelivered', '30003');
    await f.text('+14155550142', 'hours?');
    await f.text('+14155550142', 'STOP');
    await f.text('+14155550166', 'do you have oat milk');
    await f.text('+14155550166', 'is there a loyalty card?');
    await admin()
      .post('/api/schedules')
      .auth(TEST_ADMIN.name, TEST_ADMIN.password)
      .send({
        name: 'Members night',
        to: { tag: 'loyalty' },
        body: 'Members night on Friday: 2 for 1 on all drinks after 5pm.',
        cron: '0 9 * * 5',
        timezone: 'America/Los_Angeles',
      })
      .expect(201);
  });
  afterAll(async () => {
    await f?.close();
  });

  it('inbox, with a message arriving while it is open', async () => {
    const page = await f.open('#/inbox');
    await page.waitForSelector('.thread-row');
    await f.text('+14155550178', 'Are you open on Sunday?');
    await page.waitForSelector('.thread-row.fresh');
    await shot(page, 'inbox');
  });

  it('thread', async () => {
    const page = await f.open(
      `#/inbox/${encodeURIComponent('+14155550123')}?number=${encodeURIComponent(OUR_NUMBER)}`,
    );
    await page.waitForSelector('.bubble-api[data-status="delivered"]');
    await page.type('#compose-body', 'Running 10 minutes late? Just reply and we will hold it.');
    await shot(page, 'thread');
  });

  it('simulator', async () => {
    const page = await f.open('#/simulator', { width: 1280, height: 900 });
    for (const body of ['hi', 'book a table for 4 at 7pm', 'Grace', 'OK']) {
      await page.type('#sim-text', body);
      await page.keyboard.press('Enter');
      await waitForText(page, '.sim-last dd', body);
    }
    await page.click('.twiml-details summary');
    await shot(page, 'simulator');
  });

  it('rules and schedules', async () => {
    const rules = await f.open('#/rules', { width: 1280, height: 900 });
    await rules.waitForSelector('#rules-table');
    await shot(rules, 'rules');
    const schedules = await f.open('#/schedules', { width: 1280, height: 800 });
    await schedules.waitForSelector('#schedules-table');
    await shot(schedules, 'schedules');
  });
});
