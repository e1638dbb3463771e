// Shared by the console's browser tests: a whole server on a temp copy of the test bot, the fake
// Twilio, Chromium, and small helpers to drive the page.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'puppeteer-core';
import { TEST_ADMIN } from '../../support/config';
import { startFakeTwilio, type FakeTwilio } from '../../support/fakeTwilio';
import { startTestServer, type TestServer } from '../../support/server';
import { OUR_NUMBER, PUBLIC_URL, inboundForm, postSigned } from '../../support/twilioRequests';
import { launchBrowser, type TestBrowser } from './browser';

// Functions given to page.waitForFunction run in the browser; tsconfig has no DOM types.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
declare const document: any;

export const LOGIN = { username: TEST_ADMIN.name, password: TEST_ADMIN.password };

export interface ConsoleFixture {
  server: TestServer;
  fake: FakeTwilio;
  browser: TestBrowser;
  /** The temp folder holding rules/ and templates/ (a copy, so tests may break it; unless inPlace). */
  botDir: string;
  /** A logged-in tab at `hash` (e.g. '#/simulator'), with the live stream connected. */
  open(hash?: string, viewport?: { width: number; height: number }): Promise<Page>;
  /** Closes the tabs open() opened (each holds an event stream, and Chromium allows 6 per server). */
  closePages(): Promise<void>;
  /** A texter's message through the signed webhook; resolves with the TwiML. */
  text(from: string, body: string): Promise<string>;
  close(): Promise<void>;
}

const FIXTURE_BOT = path.resolve(__dirname, '../../fixtures/bot');

/**
 * Copies `rules` and `templates` (default: the test bot's) into a temp folder the server uses;
 * with `inPlace`, the server reads them where they are (and the tests must not change them).
 */
export async function startConsoleFixture(
  label: string,
  bot: { rules: string; templates: string; inPlace?: boolean } = {
    rules: path.join(FIXTURE_BOT, 'rules'),
    templates: path.join(FIXTURE_BOT, 'templates'),
  },
): Promise<ConsoleFixture> {
  const botDir = mkdtempSync(path.join(os.tmpdir(), `replybot-${label}-`));
  const rulesDir = bot.inPlace ? bot.rules : path.join(botDir, 'rules');
  const templatesDir = bot.inPlace ? bot.templates : path.join(botDir, 'templates');
  if (!bot.inPlace) {
    cpSync(bot.rules, rulesDir, { recursive: true });
    cpSync(bot.templates, templatesDir, { recursive: true });
  }
  const fake = await startFakeTwilio();
  const server = await startTestServer(
    {
      RULES_DIR: rulesDir,
      TEMPLATES_DIR: templatesDir,
      PUBLIC_URL,
      TWILIO_ACCOUNT_SID: fake.accountSid,
      TWILIO_AUTH_TOKEN: fake.authToken,
      TWILIO_API_URL: fake.url,
      TWILIO_FROM: OUR_NUMBER,
    },
    { label },
  );
  const browser = await launchBrowser();
  const pages: Page[] = [];
  return {
    server,
    fake,
    browser,
    botDir,
    async open(hash = '#/inbox', viewport) {
      const page = await browser.page({ credentials: LOGIN, ...viewport });
      pages.push(page);
      await page.goto(`${server.url}/console${hash}`);
      await page.waitForSelector('#live[data-state="open"]');
      return page;
    },
    async closePages() {
      for (const page of pages.splice(0)) await page.close().catch(() => undefined);
    },
    async text(from, body) {
      const res = await postSigned(
        server.url,
        '/twilio/sms',
        inboundForm({ Body: body, From: from }),
        fake.authToken,
      );
      if (res.status !== 200) throw new Error(`webhook answered ${res.status}: ${res.text}`);
      return res.text;
    },
    async close() {
      for (const page of pages) await page.close().catch(() => undefined);
      await browser.close();
      await server.stop();
      await fake.close();
      rmSync(botDir, { recursive: true, force: true });
    },
  };
}

/** Resolves once `check` holds (looked at every 25 ms); rejects with `what` after `ms`. */
export async function until(check: () => boolean | Promise<boolean>, what: string, ms = 15_000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Waits until the element's text contains `text`; resolves with its whole text. */
export async function waitForText(page: Page, selector: string, text: string): Promise<string> {
  await page.waitForFunction(
    (sel, t) =>
      Array.from(document.querySelectorAll(sel) as ArrayLike<{ textContent: string | null }>).some(
        (el) => el.textContent?.includes(t),
      ),
    {},
    selector,
    text,
  );
  return page.$$eval(
    selector,
    (els, t) => els.find((el) => el.textContent?.includes(t))?.textContent ?? '',
    text,
  );
}

/** Replaces an input's value the way a person would: select all, then type. */
export async function typeInto(page: Page, selector: string, text: string): Promise<void> {
  await page.click(selector, { count: 3 });
  await page.$eval(selector, (el) => {
    (el as unknown as { value: string }).value = '';
  });
  await page.type(selector, text);
}
