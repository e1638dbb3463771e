// Shared set-up of the scheduler tests: an instance wired to the fake Twilio, contacts, the admin API.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import request from 'supertest';
import type { Clock } from '../../../src/clock';
import type { Logger } from '../../../src/logger';
import type { SchedulerOptions } from '../../../src/scheduler';
import type { Models } from '../../../src/db/models';
import { TEST_ADMIN } from '../../support/config';
import type { FakeTwilio } from '../../support/fakeTwilio';
import { startTestServer, type TestServer } from '../../support/server';
import { systemClock } from '../../../src/clock';
import { ConversationStore } from '../../../src/conversations/store';

export const OUR_NUMBER = '+14155550100';
export const FIXTURES = path.resolve(__dirname, '../../fixtures/bot');

/** +14155550101 … in the fiction range libphonenumber accepts (at most 99 of them). */
export const phone = (n: number) => `+141555501${String(n).padStart(2, '0')}`;

export function twilioEnv(twilioUrl: string, fake: FakeTwilio): Record<string, string> {
  return {
    TWILIO_ACCOUNT_SID: fake.accountSid,
    TWILIO_AUTH_TOKEN: fake.authToken,
    TWILIO_API_URL: twilioUrl,
    TWILIO_FROM: OUR_NUMBER,
    RULES_DIR: path.join(FIXTURES, 'rules'),
    TEMPLATES_DIR: path.join(FIXTURES, 'templates'),
  };
}

export function startSchedulingServer(
  fake: FakeTwilio,
  options: {
    clock?: Clock;
    env?: Record<string, string>;
    twilioUrl?: string;
    scheduler?: Partial<SchedulerOptions>;
    logger?: Logger;
  } = {},
): Promise<TestServer> {
  return startTestServer(
    { ...twilioEnv(options.twilioUrl ?? fake.url, fake), SCHEDULER: 'on', ...options.env },
    { clock: options.clock, label: 'sched', scheduler: options.scheduler, logger: options.logger },
  );
}

export const admin = (url: string) => ({
  post: (route: string, body: object) =>
    request(url).post(route).auth(TEST_ADMIN.name, TEST_ADMIN.password).send(body),
  patch: (route: string, body: object) =>
    request(url).patch(route).auth(TEST_ADMIN.name, TEST_ADMIN.password).send(body),
  get: (route: string) => request(url).get(route).auth(TEST_ADMIN.name, TEST_ADMIN.password),
  delete: (route: string) => request(url).delete(route).auth(TEST_ADMIN.name, TEST_ADMIN.password),
});

/** Threads for contacts phone(from) … phone(from + count - 1), tagged; some of them opted out. */
export async function addContacts(
  models: Models,
  o: {
    from?: number;
    count: number;
    tag: string;
    optedOut?: number[];
    phoneOf?: (n: number) => string;
  },
): Promise<string[]> {
  const phoneOf = o.phoneOf ?? phone;
  const phones = Array.from({ length: o.count }, (_, i) => phoneOf((o.from ?? 1) + i));
  await models.Thread.insertMany(
    phones.map((contact) => ({
      contact,
      number: OUR_NUMBER,
      tags: [o.tag],
      vars: {},
    })),
  );
  // Opt out the way the server does (a STOP), not by flipping a field.
  const store = new ConversationStore(models, systemClock);
  for (const i of o.optedOut ?? []) await store.setOptedOut(phones[i], OUR_NUMBER, true);
  return phones;
}

/** Successful Twilio calls by recipient. */
export function sendsByRecipient(fake: FakeTwilio): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of fake.requests)
    if (r.status === 201 && r.to) counts.set(r.to, (counts.get(r.to) ?? 0) + 1);
  return counts;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function waitFor(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A pass-through proxy in front of the fake Twilio that records how many calls were in flight at once. */
export async function concurrencyProxy(
  target: string,
): Promise<{ url: string; peak(): number; close(): Promise<void> }> {
  let inFlight = 0;
  let peak = 0;
  const server = http.createServer((req, res) => {
    inFlight += 1;
    peak = Math.max(peak, inFlight);
    const upstream = http.request(
      target + (req.url ?? '/'),
      { method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
        answer.on('end', () => (inFlight -= 1));
      },
    );
    upstream.on('error', () => {
      inFlight -= 1;
      res.destroy();
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    peak: () => peak,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** The environment of a real server process sharing `mongodbUri`, sending to the fake Twilio. */
export function processEnv(fake: FakeTwilio, mongodbUri: string): Record<string, string> {
  return {
    ...twilioEnv(fake.url, fake),
    PORT: '0',
    MONGODB_URI: mongodbUri,
    ADMIN_USERS: `${TEST_ADMIN.name}:${TEST_ADMIN.password}`,
    SCHEDULER: 'on',
    WATCH_RULES: 'false',
    LOG_LEVEL: 'info',
    // A send attempt whose process died is taken over 2 s after its last renewal (default 30 s).
    SEND_LEASE: '2s',
  };
}
