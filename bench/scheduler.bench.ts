// Scheduler benchmark: 1,000 one-off schedules due at the same moment, time until all reach the
// fake Twilio, with one server process and with three server processes sharing the database (each
// run as `npm start` does: compiled, plain node); same-run baseline: 1,000 direct
// OutboundService.send calls in this process with the same concurrency (the cost of a send without
// any scheduling). Run: npx tsx bench/scheduler.bench.ts  (MONGODB_URI: use that MongoDB instead
// of a temporary embedded FerretDB).
import mongoose from 'mongoose';
import path from 'node:path';
import { systemClock } from '../src/clock';
import { loadConfig } from '../src/config';
import { bindModels } from '../src/db/models';
import { createSilentLogger } from '../src/logger';
import { Limiter } from '../src/scheduler/limiter';
import { DEFAULT_SCHEDULER_OPTIONS } from '../src/scheduler';
import { createServices } from '../src/server';
import { startFakeTwilio, type FakeTwilio } from '../test/support/fakeTwilio';
import { ROOT, benchDatabase, startChild, type ChildServer } from './support/environment';
const { buildIfNeeded } = require('../scripts/build-if-needed.js') as { buildIfNeeded: () => void };

const COUNT = Number(process.env.BENCH_SCHEDULES ?? 1000);
const CONCURRENCY = DEFAULT_SCHEDULER_OPTIONS.sendConcurrency;

/** Distinct valid US numbers: +1415555 0000 … */
const recipient = (i: number) => `+1415555${String(i).padStart(4, '0')}`;

function environment(fake: FakeTwilio, uri: string, scheduler: boolean): Record<string, string> {
  return {
    NODE_ENV: 'production',
    MONGODB_URI: uri,
    PUBLIC_URL: 'https://bench.example.com',
    ADMIN_USERS: 'bench:bench-password',
    TWILIO_ACCOUNT_SID: fake.accountSid,
    TWILIO_AUTH_TOKEN: fake.authToken,
    TWILIO_API_URL: fake.url,
    TWILIO_FROM: '+14155550100',
    RULES_DIR: path.join(ROOT, 'rules'),
    TEMPLATES_DIR: path.join(ROOT, 'templates'),
    WATCH_RULES: 'false',
    SCHEDULER: scheduler ? 'on' : 'off',
    LOG_LEVEL: 'error',
  };
}

async function until(check: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('benchmark timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

interface Figures {
  /** From the moment all were due until the last reached the fake Twilio. */
  totalMs: number;
  firstMs: number;
}

/** `instances` server processes on one database; 1,000 one-offs inserted, all due at one moment. */
async function scheduled(fake: FakeTwilio, uri: string, instances: number): Promise<Figures> {
  buildIfNeeded();
  const servers: ChildServer[] = [];
  const connection = await mongoose.createConnection(uri).asPromise();
  try {
    for (let i = 0; i < instances; i++)
      servers.push(await startChild('dist/src/main.js', environment(fake, uri, true)));
    const { Schedule } = bindModels(connection);
    // Due a few seconds ahead, so the insert is done (and every instance polling) before then.
    const dueAt = new Date(Math.ceil(Date.now() / 1000) * 1000 + 3000);
    await Schedule.insertMany(
      Array.from({ length: COUNT }, (_, i) => ({
        to: [recipient(i)],
        body: `One-off ${i}`,
        sendAt: dueAt,
        nextRunAt: dueAt,
        timezone: 'UTC',
        status: 'active',
      })),
    );
    if (Date.now() >= dueAt.getTime())
      throw new Error('inserting the one-offs took past their time');
    fake.reset();
    await until(() => Date.now() >= dueAt.getTime(), 10_000);
    await until(() => fake.requests.length >= COUNT, 600_000);
    const at = fake.requests.map((r) => r.at.getTime());
    const recipients = new Set(fake.requests.map((r) => r.to));
    if (recipients.size !== COUNT || fake.requests.length !== COUNT)
      throw new Error('a one-off was sent twice or not at all');
    return {
      totalMs: Math.max(...at) - dueAt.getTime(),
      firstMs: Math.min(...at) - dueAt.getTime(),
    };
  } finally {
    for (const s of servers) await s.stop();
    await connection.close();
  }
}

/** The same 1,000 sends through OutboundService.send directly, CONCURRENCY at a time. */
async function baseline(fake: FakeTwilio, uri: string): Promise<Figures> {
  const config = loadConfig({ ...environment(fake, uri, false), NODE_ENV: 'test' });
  const connection = await mongoose.createConnection(uri).asPromise();
  try {
    const services = createServices(config, createSilentLogger(), connection, systemClock);
    await Promise.all(
      Object.values(bindModels(connection)).map((m: { init(): Promise<unknown> }) => m.init()),
    );
    await services.content.reload();
    const limiter = new Limiter(CONCURRENCY);
    fake.reset();
    const start = Date.now();
    await Promise.all(
      Array.from({ length: COUNT }, async (_, i) => {
        await limiter.acquire();
        try {
          await services.outbound.send(
            { to: recipient(i), body: `Direct ${i}` },
            { key: `bench:${i}` },
          );
        } finally {
          limiter.release();
        }
      }),
    );
    const at = fake.requests.map((r) => r.at.getTime());
    return { totalMs: Date.now() - start, firstMs: Math.min(...at) - start };
  } finally {
    await connection.close();
  }
}

export async function runSchedulerBench(): Promise<void> {
  const db = await benchDatabase();
  const fake = await startFakeTwilio();
  const fmt = (label: string, f: Figures) =>
    `  ${label.padEnd(44)} all ${COUNT} at Twilio after ${(f.totalMs / 1000).toFixed(2).padStart(6)} s ` +
    `(first after ${(f.firstMs / 1000).toFixed(2)} s), ${Math.round((COUNT * 1000) / f.totalMs)} sends/s`;
  try {
    console.log(
      `scheduler: ${COUNT} one-offs due at once, ${CONCURRENCY} Twilio calls at a time per instance, ${db.label}`,
    );
    const stamp = Date.now().toString(36);
    console.log(
      fmt(
        'baseline: OutboundService.send, in-process',
        await baseline(fake, db.uri(`bench_base_${stamp}`)),
      ),
    );
    console.log(
      fmt('scheduler, 1 process', await scheduled(fake, db.uri(`bench_one_${stamp}`), 1)),
    );
    console.log(
      fmt(
        'scheduler, 3 processes sharing one DB',
        await scheduled(fake, db.uri(`bench_three_${stamp}`), 3),
      ),
    );
  } finally {
    await fake.close();
    await db.stop();
  }
}

if (require.main === module) {
  runSchedulerBench().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
