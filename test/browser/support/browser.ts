// Debian's Chromium, headless, driven by puppeteer-core (which never downloads a browser of its own).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';

/** `apt-get install chromium` puts it here; CHROMIUM_PATH points elsewhere if need be. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Nothing leaves the machine: no sync, no component updates, no background fetches, no QUIC. */
const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

export interface TestBrowser {
  browser: Browser;
  /** A new tab at `width`×`height`, logged in with `credentials` when given. */
  page(options?: {
    credentials?: { username: string; password: string };
    width?: number;
    height?: number;
  }): Promise<Page>;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<TestBrowser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `No Chromium at ${CHROMIUM_PATH}: apt-get install chromium (or set CHROMIUM_PATH)`,
    );
  }
  const userDataDir = mkdtempSync(path.join(os.tmpdir(), 'replybot-chromium-'));
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    userDataDir,
    args: FLAGS,
    // A loaded 2-core machine can be slow to answer the DevTools protocol; fail late, not flakily.
    protocolTimeout: 60_000,
  });
  return {
    browser,
    async page(options = {}) {
      const page = await browser.newPage();
      page.setDefaultTimeout(15_000);
      await page.setViewport({ width: options.width ?? 1280, height: options.height ?? 800 });
      if (options.credentials) await page.authenticate(options.credentials);
      return page;
    },
    async close() {
      await browser.close().catch(() => undefined);
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}
