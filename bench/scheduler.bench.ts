// Scheduler benchmark: 1,000 one-off schedules due at the same moment, time until all reach the
// fake Twilio, with one instance and with three instances sharing the database; same-run baseline:
// 1,000 direct OutboundService.send calls with the same concurrency (the cost of a send without
// any scheduling). Run: npx tsx bench/scheduler.bench.ts  (MONGODB_URI: use that MongoDB instead
// of a temporary embedded FerretDB).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mongoose from 'mongoose';
import { systemClock } from '../src/clock';
import { loadConfig } from '../src/config';
import { EmbeddedDatabase, ensureFerretdb } from '../src/db/embedded';
import { bindModels } from '../src/db/models';
import { createSilentLogger } from '../src/logger';
import { Limiter } from '../src/scheduler/limiter';
import { DEFAULT_SCHEDULER_OPTIONS } from '../src/scheduler';
import { createServices, startServer, type ServerHandle } from '../src/server';
import { startFakeTwilio, type FakeTwilio } from '../test/support/fakeTwilio';

const COUNT = Number(process.env.BENCH_SCHEDULES ?? 1000);
const CONCURRENCY = DEFAULT_SCHEDULER_OPTIONS.sendConcurrency;
const ROOT = path.resolve(__dirname, '..');
const quiet = { info: () => undefined, warn: () => undefined };

/** Distinct valid US numbers: +1415555 0000 … */
const recipient = (i: number) => `+1415555${String(i).padStart(4, '0')}`;

async function database(): Promise<{
  uri(name: string): string;
  stop(): Promise<void>;
  label: string;
}> {
  if (process.env.MONGODB_URI) {
    const base = process.env.MONGODB_URI;
    return {
      uri: (name) => Object.assign(new URL(base), { pathname: `/${name}` }).toString(),
      stop: async () => undefined,
      label: 'MongoDB (MONGODB_URI)',
    };
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'replybot-bench-sched-'));
  const db = await EmbeddedDatabase.start({
    binary: await ensureFerretdb(quiet),
    dir,
    logger: quiet,
  });
  return {
    uri: (name) => db.uri(name),
    stop: async () => {
      await db.stop();
      rmSync(dir, { recursive: true, force: true });
    },
    label: 'embedded FerretDB v1.24.2 (SQLite)',
  };
}

function configFor(fake: FakeTwilio, uri: string, scheduler: boolean) {
  return loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    MONGODB_URI: uri,
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
  });
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

/** `instances` servers on one database; 1,000 one-offs inserted due 1 s from now. */
async function scheduled(fake: FakeTwilio, uri: string, instances: number): Promise<Figures> {
  const servers: ServerHandle[] = [];
  for (let i = 0; i < instances; i++)
    servers.push(await startServer(configFor(fake, uri, true), createSilentLogger()));
  try {
    const dueAt = new Date(Math.ceil(Date.now() / 1000) * 1000 + 1000);
    await servers[0].models.Schedule.insertMany(
      Array.from({ length: COUNT }, (_, i) => ({
        to: [recipient(i)],
        body: `One-off ${i}`,
        sendAt: dueAt,
        nextRunAt: dueAt,
        timezone: 'UTC',
        status: 'active',
      })),
    );
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
    for (const s of servers) await s.close();
  }
}

/** The same 1,000 sends through OutboundService.send directly, CONCURRENCY at a time. */
async function baseline(fake: FakeTwilio, uri: string): Promise<Figures> {
  const config = configFor(fake, uri, false);
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
  const db = await database();
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
        'baseline: OutboundService.send directly',
        await baseline(fake, db.uri(`bench_base_${stamp}`)),
      ),
    );
    console.log(
      fmt('scheduler, 1 instance', await scheduled(fake, db.uri(`bench_one_${stamp}`), 1)),
    );
    console.log(
      fmt(
        'scheduler, 3 instances (one process, one DB)',
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
