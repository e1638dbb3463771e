// Load on a webhook: Twilio-shaped, signed inbound messages from a set of contacts, through
// autocannon on 127.0.0.1, for a fixed time or a fixed number of requests (it always stops).
import autocannon from 'autocannon';
import twilio from 'twilio';
import { commandCounts, commandsPer, cpuSeconds } from './environment';

export const PUBLIC_URL = 'https://bench.example.com';
export const AUTH_TOKEN = 'bench-auth-token-0123456789abcdef';
export const OUR_NUMBER = '+14155550100';
export const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
export const DURATION_S = Number(process.env.BENCH_DURATION ?? 10);

const BODIES = [
  'hours?',
  'menu',
  'order 12345',
  'how much is a latte',
  'do you have oat milk',
  'book a table',
  'asdf',
];

/** The i-th contact's number: distinct valid US numbers, +1 415 200 0000 onwards. */
export const contactNumber = (i: number): string => `+1415${String(2_000_000 + i)}`;

let counter = 0;

function signedForm(contacts: number): { body: string; signature: string } {
  counter++;
  const sid = 'SM' + counter.toString(16).padStart(32, '0');
  const params: Record<string, string> = {
    ToCountry: 'US',
    SmsMessageSid: sid,
    NumMedia: '0',
    SmsSid: sid,
    SmsStatus: 'received',
    Body: BODIES[counter % BODIES.length],
    To: OUR_NUMBER,
    NumSegments: '1',
    MessageSid: sid,
    AccountSid: 'AC' + '0'.repeat(32),
    // Contacts in a stride through the set, so consecutive requests are different threads.
    From: contactNumber((counter * 7919) % contacts),
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
  /** CPU ms per answered request of each process given in `measure`, during the load. */
  cpuMsPerRequest: Record<string, number>;
  /** Database commands per answered request, when `countCommandsAt` was given. */
  commandsPerRequest: string | null;
}

export interface LoadOptions {
  connections?: number;
  durationS?: number;
  /** Send exactly this many requests instead of loading for `durationS`. */
  amount?: number;
  /** Messages come from contactNumber(0 … contacts - 1). */
  contacts?: number;
  /** Processes whose CPU time to measure during the load, by name. */
  measure?: Record<string, number | null>;
  /** A URI of the database the server uses: count its commands during the load. */
  countCommandsAt?: string;
}

export async function load(port: number, options: LoadOptions = {}): Promise<LoadResult> {
  const contacts = options.contacts ?? 200;
  const measured = Object.entries(options.measure ?? {}).filter(
    (e): e is [string, number] => e[1] !== null,
  );
  const commandsBefore = options.countCommandsAt
    ? await commandCounts(options.countCommandsAt)
    : null;
  const before = measured.map(([, pid]) => cpuSeconds(pid));
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
          const { body, signature } = signedForm(contacts);
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
  const answered = Math.max(1, result.requests.total);
  const cpuMsPerRequest: Record<string, number> = {};
  measured.forEach(([name, pid], i) => {
    cpuMsPerRequest[name] = ((cpuSeconds(pid) - before[i]) * 1000) / answered;
  });
  const commandsPerRequest = options.countCommandsAt
    ? commandsPer(commandsBefore, await commandCounts(options.countCommandsAt), answered)
    : null;
  return {
    requestsPerSec: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    total: result.requests.total,
    cpuMsPerRequest,
    commandsPerRequest,
  };
}

/** One line of figures: req/s, p50, p99, failures, and CPU per request where measured. */
export function loadRow(name: string, r: LoadResult, width = 40): string {
  const cpu = Object.entries(r.cpuMsPerRequest)
    .map(([who, ms]) => `${who} ${ms.toFixed(2)}`)
    .join(', ');
  return (
    `${name.padEnd(width)} ${r.requestsPerSec.toFixed(0).padStart(6)} req/s  ` +
    `p50 ${String(r.p50).padStart(4)} ms  p99 ${String(r.p99).padStart(5)} ms  ` +
    `non-2xx ${r.non2xx}  errors ${r.errors}` +
    (cpu ? `  CPU ms/request: ${cpu}` : '') +
    (r.commandsPerRequest
      ? `\n${''.padEnd(width)} database commands per request: ${r.commandsPerRequest}`
      : '')
  );
}
