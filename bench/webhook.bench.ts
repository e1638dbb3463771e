// Webhook throughput and latency, in one run: (a) a bare express app answering static TwiML — the
// ceiling — and (b) the real server's /twilio/sms with signed requests, the example rules and the
// database. Also memory: RSS after many messages. Run: npx tsx bench/webhook.bench.ts
import autocannon from 'autocannon';
import twilio from 'twilio';
import { benchDatabase, startChild, type ChildServer } from './support/environment';
const { buildIfNeeded } = require('../scripts/build-if-needed.js') as { buildIfNeeded: () => void };

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const DURATION_S = Number(process.env.BENCH_DURATION ?? 10);
const CONTACTS = 200;
const PUBLIC_URL = 'https://bench.example.com';
const AUTH_TOKEN = 'bench-auth-token-0123456789abcdef';
const BODIES = [
  'hours?',
  'menu',
  'order 12345',
  'how much is a latte',
  'do you have oat milk',
  'book a table',
  'asdf',
];

let counter = 0;
function signedForm(): { body: string; signature: string } {
  counter++;
  const sid = 'SM' + counter.toString(16).padStart(32, '0');
  const params: Record<string, string> = {
    ToCountry: 'US',
    SmsMessageSid: sid,
    NumMedia: '0',
    SmsSid: sid,
    SmsStatus: 'received',
    Body: BODIES[counter % BODIES.length],
    To: '+14155550100',
    NumSegments: '1',
    MessageSid: sid,
    AccountSid: 'AC' + '0'.repeat(32),
    From: '+1415555' + String(1000 + (counter % CONTACTS)).padStart(4, '0'),
    ApiVersion: '2010-04-01',
  };
  return {
    body: new URLSearchParams(params).toString(),
    signature: twilio.getExpectedTwilioSignature(AUTH_TOKEN, `${PUBLIC_URL}/twilio/sms`, params),
  };
}

export interface LoadResult {
  requestsPerSec: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  total: number;
}

export async function load(
  port: number,
  options: { connections?: number; durationS?: number; amount?: number } = {},
): Promise<LoadResult> {
  const result = await autocannon({
    url: `http://127.0.0.1:${port}`,
    connections: options.connections ?? CONNECTIONS,
    ...(options.amount
      ? { amount: options.amount }
      : { duration: options.durationS ?? DURATION_S }),
    requests: [
      {
        method: 'POST',
        path: '/twilio/sms',
        setupRequest: (req) => {
          const { body, signature } = signedForm();
          return {
            ...req,
            body,
            headers: {
              'content-type': 'application/x-www-form-urlencoded',
              'x-twilio-signature': signature,
            },
          };
        },
      },
    ],
  });
  return {
    requestsPerSec: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    total: result.requests.total,
  };
}

function row(name: string, r: LoadResult): string {
  return `${name.padEnd(34)} ${r.requestsPerSec.toFixed(0).padStart(8)} req/s   p50 ${String(r.p50).padStart(4)} ms   p99 ${String(r.p99).padStart(4)} ms   non-2xx ${r.non2xx}  errors ${r.errors}`;
}

/** The server as `npm start` and the Docker image run it: compiled, with plain node. */
export async function startRealServer(uri: string, nodeArgs: string[] = []): Promise<ChildServer> {
  buildIfNeeded();
  return startChild(
    'dist/src/main.js',
    {
      NODE_ENV: 'production',
      MONGODB_URI: uri,
      PUBLIC_URL,
      TWILIO_ACCOUNT_SID: 'AC' + '0'.repeat(32),
      TWILIO_AUTH_TOKEN: AUTH_TOKEN,
      // Inbound replies never call Twilio; point the API somewhere harmless on loopback anyway.
      TWILIO_API_URL: 'http://127.0.0.1:9',
      ADMIN_USERS: 'bench:bench-password',
      SCHEDULER: 'off',
      WATCH_RULES: 'false',
      LOG_LEVEL: 'warn',
    },
    nodeArgs,
  );
}

export interface SoakResult {
  messages: number;
  seconds: number;
  /** RSS in MB, sampled every SOAK_SAMPLE_MS from the start of the soak. */
  samples: number[];
  /** V8 heap in use at the start and at the end, in MB (from /metrics). */
  heapUsedMb: [number, number];
}

/** The server's V8 heap in use, in MB, as its /metrics reports it. */
async function heapUsedMb(port: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const m = /^replybot_nodejs_heap_size_used_bytes (\S+)$/m.exec(text);
  return m ? Number(m[1]) / 2 ** 20 : NaN;
}

const SOAK_SAMPLE_MS = 30_000;

/**
 * Memory under a long run: `messages` more webhooks through the server while its RSS is sampled.
 * Growth is judged on the second half (the first fills caches, pools and the JIT).
 */
export async function soak(server: ChildServer, messages: number): Promise<SoakResult> {
  const samples = [server.rssMb()];
  const heapBefore = await heapUsedMb(server.port);
  const timer = setInterval(() => samples.push(server.rssMb()), SOAK_SAMPLE_MS);
  const started = Date.now();
  try {
    await load(server.port, { amount: messages });
  } finally {
    clearInterval(timer);
  }
  samples.push(server.rssMb());
  const heapAfter = await heapUsedMb(server.port);
  return {
    messages,
    seconds: (Date.now() - started) / 1000,
    samples,
    heapUsedMb: [heapBefore, heapAfter],
  };
}

function soakRow(r: SoakResult, baselineMb: number): string {
  const mid = r.samples[Math.floor(r.samples.length / 2)];
  const end = r.samples[r.samples.length - 1];
  const mb = (n: number) => `${n.toFixed(0)} MB`;
  return [
    `memory: ${r.messages} webhook messages in ${r.seconds.toFixed(0)} s; server RSS ${mb(r.samples[0])} at start, ${mb(mid)} at half-time, ${mb(end)} at the end, peak ${mb(Math.max(...r.samples))} (target < 150 MB)`,
    `        growth over the second half: ${(end - mid).toFixed(1)} MB; V8 heap in use ${mb(r.heapUsedMb[0])} at start, ${mb(r.heapUsedMb[1])} at the end`,
    `        same-run baseline: bare express RSS ${mb(baselineMb)} after its load`,
    `        samples every ${SOAK_SAMPLE_MS / 1000} s: ${r.samples.map((n) => n.toFixed(0)).join(' ')}`,
  ].join('\n');
}

export async function runWebhookBench(): Promise<void> {
  const db = await benchDatabase();
  try {
    console.log(
      `webhook benchmark: ${CONNECTIONS} connections, ${DURATION_S} s each, ${CONTACTS} contacts; database: ${db.label}`,
    );
    const bare = await startChild('bench/support/bareServer.js', {});
    await load(bare.port, { durationS: 2 }); // warm-up
    const ceiling = await load(bare.port);
    const bareRss = bare.rssMb();
    await bare.stop();

    const real = await startRealServer(db.uri(`bench_webhook_${Date.now()}`));
    await load(real.port, { durationS: 2 });
    const pipeline = await load(real.port);

    console.log(row('(a) bare express, static TwiML', ceiling));
    console.log(row('(b) ReplyBot /twilio/sms', pipeline));
    console.log(
      `ratio b/a: ${(pipeline.requestsPerSec / ceiling.requestsPerSec).toFixed(2)} (target >= 0.40); p99 (b): ${pipeline.p99} ms (target < 50 ms)`,
    );

    const messages = Number(process.env.BENCH_MEMORY_MESSAGES ?? 100_000);
    if (messages > 0) console.log(soakRow(await soak(real, messages), bareRss));
    await real.stop();
  } finally {
    await db.stop();
  }
}

if (require.main === module) {
  runWebhookBench().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
