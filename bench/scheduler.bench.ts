// Scheduler fan-out: 1,000 one-off schedules (one recipient each) created through the admin API,
// all due at the same second; the time from that second until the last reaches the fake Twilio,
// with one ReplyBot process and with three sharing one database (each as `npm start` runs it).
// Same-run baseline: 1,000 sends through the send API (POST /api/messages) of a ReplyBot with
// the scheduler off, as many at a time as the scheduler sends (10): the cost of a send without
// any scheduling. Targets: one process < 10 s; three not slower than one.
// Run: BENCH_ONLY=scheduler npm run bench   (or: npx tsx bench/scheduler.bench.ts)
import { startFakeTwilio, type FakeTwilio } from '../test/support/fakeTwilio';
import {
  benchDatabase,
  commandCounts,
  commandsPer,
  cpuSeconds,
  type BenchDatabase,
  type ChildServer,
} from './support/environment';
import { adminHeaders, startReplyBot } from './support/servers';

const COUNT = Number(process.env.BENCH_SCHEDULES ?? 1000);
/** The scheduler's default Twilio calls in flight per instance (SchedulerOptions.sendConcurrency). */
const CONCURRENCY = 10;
/** How long the database's CPU is measured while scheduler processes idle. */
const IDLE_MS = 10_000;
/** How far ahead the one-offs are due: time to store them all and start the processes first. */
const LEAD_MS = Number(process.env.BENCH_SCHEDULE_LEAD_MS ?? 60_000);

/** Distinct valid US numbers: +1415555 0000 … */
const recipient = (i: number) => `+1415555${String(i).padStart(4, '0')}`;

function startInstance(fake: FakeTwilio, uri: string, scheduler: boolean): Promise<ChildServer> {
  return startReplyBot(uri, {
    TWILIO_ACCOUNT_SID: fake.accountSid,
    TWILIO_AUTH_TOKEN: fake.authToken,
    TWILIO_API_URL: fake.url,
    TWILIO_FROM: '+14155550100',
    SCHEDULER: scheduler ? 'on' : 'off',
    LOG_LEVEL: 'error',
  });
}

/** Calls `request(i)` for i < COUNT, `concurrency` at a time; each must answer `status`. */
async function eachAtMost(
  concurrency: number,
  status: number,
  request: (i: number) => Promise<Response>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < COUNT; i = next++) {
      const res = await request(i);
      if (res.status !== status)
        throw new Error(`request ${i}: ${res.status} ${(await res.text()).slice(0, 300)}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`benchmark timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

interface Figures {
  /** From the start (baseline) or the due second (scheduler) until the last reached Twilio. */
  totalMs: number;
  firstMs: number;
  /** Per send: CPU ms of the ReplyBot processes together and of the database, and its commands. */
  serverCpuMs: number;
  databaseCpuMs: number;
  commands: string;
}

/** CPU time and database commands from now until `done()`, per send. */
async function costs(servers: ChildServer[], db: BenchDatabase, uri: string) {
  const cpu = () => servers.reduce((sum, s) => sum + cpuSeconds(s.pid), 0);
  const [server, database] = [cpu(), db.pid ? cpuSeconds(db.pid) : NaN];
  const commands = await commandCounts(uri);
  return {
    done: async () => ({
      serverCpuMs: ((cpu() - server) * 1000) / COUNT,
      databaseCpuMs: db.pid ? ((cpuSeconds(db.pid) - database) * 1000) / COUNT : NaN,
      commands: commandsPer(commands, await commandCounts(uri), COUNT),
    }),
  };
}

/** Every recipient reached exactly once; the first and last arrival after `from`. */
function arrivals(fake: FakeTwilio, from: number): Pick<Figures, 'totalMs' | 'firstMs'> {
  const recipients = new Set(fake.requests.map((r) => r.to));
  if (recipients.size !== COUNT || fake.requests.length !== COUNT)
    throw new Error(
      `${fake.requests.length} Twilio calls to ${recipients.size} recipients, expected ${COUNT} to ${COUNT}`,
    );
  const at = fake.requests.map((r) => r.at.getTime());
  return { totalMs: Math.max(...at) - from, firstMs: Math.min(...at) - from };
}

async function baseline(fake: FakeTwilio, db: BenchDatabase, uri: string): Promise<Figures> {
  const server = await startInstance(fake, uri, false);
  try {
    fake.reset();
    const cost = await costs([server], db, uri);
    const start = Date.now();
    await eachAtMost(CONCURRENCY, 202, (i) =>
      fetch(`http://127.0.0.1:${server.port}/api/messages`, {
        method: 'POST',
        headers: adminHeaders,
        body: JSON.stringify({ to: recipient(i), body: `Direct ${i}` }),
      }),
    );
    return { ...arrivals(fake, start), ...(await cost.done()) };
  } finally {
    await server.stop();
  }
}

/** COUNT one-offs due at `sendAt`, created through the API of a process with the scheduler off. */
async function createOneOffs(fake: FakeTwilio, uri: string, sendAt: Date): Promise<void> {
  const api = await startInstance(fake, uri, false);
  try {
    await eachAtMost(CONCURRENCY, 201, (i) =>
      fetch(`http://127.0.0.1:${api.port}/api/schedules`, {
        method: 'POST',
        headers: adminHeaders,
        body: JSON.stringify({ to: [recipient(i)], body: `One-off ${i}`, sendAt }),
      }),
    );
  } finally {
    await api.stop();
  }
}

/**
 * `instances` processes on one database. The one-offs are created first, through the API of a
 * process with the scheduler off (the scheduler processes' polls would slow that down), due
 * LEAD_MS ahead; the scheduler processes start meanwhile and are polling before that moment.
 */
async function scheduled(
  fake: FakeTwilio,
  db: BenchDatabase,
  uri: string,
  instances: number,
): Promise<Figures> {
  const servers: ChildServer[] = [];
  try {
    fake.reset();
    const dueAt = new Date(Math.ceil((Date.now() + LEAD_MS) / 1000) * 1000);
    await createOneOffs(fake, uri, dueAt);
    servers.push(
      ...(await Promise.all(
        Array.from({ length: instances }, () => startInstance(fake, uri, true)),
      )),
    );
    if (Date.now() >= dueAt.getTime() - 1000 || fake.requests.length > 0)
      throw new Error(
        `creating ${COUNT} schedules and starting ${instances} processes took past their time: raise BENCH_SCHEDULE_LEAD_MS (${LEAD_MS})`,
      );
    const cost = await costs(servers, db, uri);
    await until(() => fake.requests.length >= COUNT, 900_000, `${COUNT} Twilio calls`);
    // Anything sent twice arrives within moments of the rest.
    await new Promise((r) => setTimeout(r, 1000));
    return { ...arrivals(fake, dueAt.getTime()), ...(await cost.done()) };
  } finally {
    for (const s of servers) await s.stop();
  }
}

/**
 * What polling costs: the database's CPU share while `instances` processes wait, with COUNT
 * one-offs pending an hour ahead (nothing due), over IDLE_MS after they have started.
 */
async function idleDatabaseCpu(
  fake: FakeTwilio,
  db: BenchDatabase,
  uri: string,
  instances: number,
): Promise<number> {
  const servers = await Promise.all(
    Array.from({ length: instances }, () => startInstance(fake, uri, true)),
  );
  try {
    await new Promise((r) => setTimeout(r, 3000));
    const before = cpuSeconds(db.pid!);
    await new Promise((r) => setTimeout(r, IDLE_MS));
    return (cpuSeconds(db.pid!) - before) / (IDLE_MS / 1000);
  } finally {
    for (const s of servers) await s.stop();
  }
}

export async function runSchedulerBench(): Promise<void> {
  const db = await benchDatabase();
  const fake = await startFakeTwilio();
  const row = (label: string, f: Figures) =>
    `  ${label.padEnd(40)} all ${COUNT} at Twilio after ${(f.totalMs / 1000).toFixed(2).padStart(6)} s ` +
    `(first after ${(f.firstMs / 1000).toFixed(2)} s), ${Math.round((COUNT * 1000) / f.totalMs)} sends/s\n` +
    `  ${''.padEnd(40)} per send: CPU ms ReplyBot ${f.serverCpuMs.toFixed(1)}, database ${f.databaseCpuMs.toFixed(1)}; database commands ${f.commands}`;
  try {
    console.log(
      `scheduler: ${COUNT} one-offs due at once, ${CONCURRENCY} Twilio calls at a time per instance; database: ${db.label}`,
    );
    const stamp = Date.now().toString(36);
    const base = await baseline(fake, db, db.uri(`bench_base_${stamp}`));
    console.log(row('baseline: POST /api/messages', base));
    const one = await scheduled(fake, db, db.uri(`bench_one_${stamp}`), 1);
    console.log(row('scheduler, 1 process', one));
    const three = await scheduled(fake, db, db.uri(`bench_three_${stamp}`), 3);
    console.log(row('scheduler, 3 processes on one database', three));
    console.log(
      `1 process: ${(one.totalMs / 1000).toFixed(1)} s (target < 10 s: ${one.totalMs < 10_000 ? 'met' : 'NOT MET'}); ` +
        `3 / 1 processes: ${(three.totalMs / one.totalMs).toFixed(2)} (target <= 1: ${three.totalMs <= one.totalMs ? 'met' : 'NOT MET'})`,
    );
    if (db.pid) {
      const pending = db.uri(`bench_idle_${stamp}`);
      await createOneOffs(fake, pending, new Date(Date.now() + 3_600_000));
      const share = async (n: number) =>
        `${((await idleDatabaseCpu(fake, db, pending, n)) * 100).toFixed(0)} % of a core with ${n}`;
      console.log(
        `idle, ${COUNT} one-offs due in an hour: database CPU ${await share(1)}, ${await share(3)} scheduler processes polling`,
      );
    }
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
