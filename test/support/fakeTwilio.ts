// A small fake of Twilio's REST API (Messages only), a real HTTP server for tests to point TWILIO_API_URL at.
//
// Shapes follow https://www.twilio.com/docs/messaging/api/message-resource and Twilio's error
// body {code, message, more_info, status}. Every POST to Messages.json is recorded, failed or not.
//
// hold() is a latch for tests that must act while Twilio calls are in flight (a cancel during a
// fan-out, a message stored before Twilio answers): sleeping through a `delayMs` window instead
// depends on the machine being fast enough.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { countSegments } from '../../src/outbound/segments';

export interface RecordedRequest {
  to: string | null;
  from: string | null;
  messagingServiceSid: string | null;
  body: string | null;
  mediaUrl: string[];
  statusCallback: string | null;
  /** The HTTP status the fake answered with. */
  status: number;
  at: Date;
}

/** A message create that arrived while the fake holds its answers: what was asked, not answered yet. */
export type HeldRequest = Omit<RecordedRequest, 'status'>;

export interface FailureSpec {
  status: number;
  code?: number;
  message?: string;
  /** Seconds, sent as a Retry-After header. */
  retryAfter?: number;
}

export interface FakeTwilio {
  readonly url: string;
  readonly accountSid: string;
  readonly authToken: string;
  readonly requests: RecordedRequest[];
  /** Latency added before every answer (after release(), for held ones). */
  delayMs: number;
  /** Message creates that arrived during hold(), in arrival order, until release() answers them. */
  readonly held: readonly HeldRequest[];
  /**
   * From now on, message creates are listed in `held` on arrival and not answered (nor judged:
   * failNext, rejectNumber and validation apply at release) until release().
   */
  hold(): void;
  /** Answers every held request, in arrival order, and stops holding. */
  release(): void;
  /**
   * Drops every held request unanswered (the connection is cut) and stops holding: as if the
   * requests never reached Twilio. No message is created.
   */
  dropHeld(): void;
  /** Messages created (answered 201), in creation order. */
  readonly created: RecordedRequest[];
  /** Resolves once at least `count` requests are held; rejects after `timeoutMs`. */
  untilHeld(count: number, timeoutMs?: number): Promise<void>;
  failNext(count: number, failure: FailureSpec): void;
  rejectNumber(to: string, code: number, message?: string): void;
  reset(): void;
  close(): Promise<void>;
}

export const FAKE_ACCOUNT_SID = 'AC' + '0123456789abcdef'.repeat(2);
export const FAKE_AUTH_TOKEN = 'fake-auth-token-0123456789abcdef';

const E164 = /^\+[1-9]\d{1,14}$/;
const API_VERSION = '2010-04-01';
const MESSAGES = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/;
const MESSAGE = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\/([^/]+)\.json$/;

type Json = Record<string, unknown>;
const hex32 = () => randomBytes(16).toString('hex');

function twilioError(status: number, code: number, message: string): Json {
  return { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status };
}

function send(res: http.ServerResponse, status: number, body: Json, headers: Json = {}): void {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function credentialsOf(req: http.IncomingMessage): { user: string; pass: string } | null {
  const match = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
  if (!match) return null;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? null : { user: decoded.slice(0, colon), pass: decoded.slice(colon + 1) };
}

/** Twilio's own validation of a create-message request, in the order it reports problems. */
function validate(
  form: URLSearchParams,
  rejected: Map<string, { code: number; message?: string }>,
) {
  const to = form.get('To');
  const from = form.get('From');
  const service = form.get('MessagingServiceSid');
  const body = form.get('Body');
  const media = form.getAll('MediaUrl');
  if (!to) return twilioError(400, 21604, "A 'To' phone number is required.");
  if (!E164.test(to))
    return twilioError(400, 21211, `The 'To' number ${to} is not a valid phone number.`);
  if (!from && !service) return twilioError(400, 21603, "A 'From' phone number is required.");
  if (from && !E164.test(from) && !/^[A-Za-z0-9 ]{1,11}$/.test(from)) {
    return twilioError(
      400,
      21212,
      `The 'From' number ${from} is not a valid phone number, shortcode, or alphanumeric sender ID.`,
    );
  }
  if (!from && service && !/^MG[0-9a-f]{32}$/i.test(service)) {
    return twilioError(400, 21701, `The Messaging Service Sid ${service} is invalid.`);
  }
  if (!body && media.length === 0) {
    return twilioError(400, 21619, 'A text message body or media urls must be specified.');
  }
  if (body && body.length > 1600) {
    return twilioError(
      400,
      21617,
      'The concatenated message body exceeds the 1600 character limit.',
    );
  }
  if (media.length > 10)
    return twilioError(400, 21623, 'Number of media files exceeds allowed limit.');
  const rejection = rejected.get(to);
  if (rejection) {
    return twilioError(
      400,
      rejection.code,
      rejection.message ?? `Twilio error ${rejection.code} for ${to}.`,
    );
  }
  return null;
}

function messageResource(accountSid: string, form: URLSearchParams, now: Date): Json {
  const sid = `SM${hex32()}`;
  const from = form.get('From');
  const service = form.get('MessagingServiceSid');
  const body = form.get('Body') ?? '';
  const media = form.getAll('MediaUrl');
  const date = now.toUTCString().replace('GMT', '+0000');
  const uri = `/${API_VERSION}/Accounts/${accountSid}/Messages/${sid}.json`;
  return {
    account_sid: accountSid,
    api_version: API_VERSION,
    body,
    date_created: date,
    date_sent: null,
    date_updated: date,
    direction: 'outbound-api',
    error_code: null,
    error_message: null,
    // Via a Messaging Service without From, Twilio picks the sender later: status `accepted`,
    // from null and num_segments "0" until then.
    from: from ?? null,
    messaging_service_sid: service ?? null,
    num_media: String(media.length),
    num_segments: from ? String(countSegments(body).segments) : '0',
    price: null,
    price_unit: 'USD',
    sid,
    status: from ? 'queued' : 'accepted',
    subresource_uris: { media: uri.replace('.json', '/Media.json') },
    to: form.get('To'),
    uri,
  };
}

export async function startFakeTwilio(
  opts: { accountSid?: string; authToken?: string } = {},
): Promise<FakeTwilio> {
  const accountSid = opts.accountSid ?? FAKE_ACCOUNT_SID;
  const authToken = opts.authToken ?? FAKE_AUTH_TOKEN;
  const requests: RecordedRequest[] = [];
  const messages = new Map<string, Json>();
  const rejected = new Map<string, { code: number; message?: string }>();
  let failures: { remaining: number; spec: FailureSpec } | null = null;
  const held: HeldRequest[] = [];
  // While holding: the latch the held requests wait on; `drop` cuts them instead of answering.
  let latch: { opened: Promise<void>; open(): void; drop: boolean } | null = null;
  // Messages in creation order, for the list endpoint (Twilio lists newest first).
  const created: Json[] = [];
  let heldWaiters: { count: number; resolve(): void }[] = [];
  // Answers to requests that came before the last reset() are not recorded: they belong to an
  // earlier test.
  let resets = 0;

  const asked = (form: URLSearchParams): HeldRequest => ({
    to: form.get('To'),
    from: form.get('From'),
    messagingServiceSid: form.get('MessagingServiceSid'),
    body: form.get('Body'),
    mediaUrl: form.getAll('MediaUrl'),
    statusCallback: form.get('StatusCallback'),
    at: new Date(),
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const generation = resets;
    const path = new URL(req.url ?? '/', 'http://fake').pathname;
    const create = req.method === 'POST' ? MESSAGES.exec(path) : null;
    const fetch = req.method === 'GET' ? MESSAGE.exec(path) : null;
    const list = req.method === 'GET' ? MESSAGES.exec(path) : null;
    const form = new URLSearchParams(raw);
    if (create && latch) {
      const current = latch;
      held.push(asked(form));
      for (const waiter of heldWaiters.filter((w) => held.length >= w.count)) waiter.resolve();
      await current.opened;
      if (current.drop) {
        res.destroy();
        return;
      }
    }
    if (fake.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, fake.delayMs));
    if (!create && !fetch && !list)
      return send(res, 404, twilioError(404, 20404, 'The requested resource was not found'));

    const answer = (status: number, body: Json, headers: Json = {}) => {
      if (create && generation === resets) requests.push({ ...asked(form), status });
      send(res, status, body, headers);
    };

    const credentials = credentialsOf(req);
    if (!credentials || credentials.user !== accountSid || credentials.pass !== authToken) {
      return answer(401, twilioError(401, 20003, 'Authenticate'));
    }
    const pathSid = (create ?? fetch ?? list)![1];
    if (pathSid !== accountSid) {
      return answer(404, twilioError(404, 20404, `The requested resource ${path} was not found`));
    }
    if (failures && failures.remaining > 0) {
      const { spec } = failures;
      failures.remaining -= 1;
      const headers =
        spec.retryAfter === undefined ? {} : { 'Retry-After': String(spec.retryAfter) };
      const code = spec.code ?? (spec.status === 429 ? 20429 : 20500);
      return answer(
        spec.status,
        twilioError(spec.status, code, spec.message ?? `Fake failure ${code}`),
        headers,
      );
    }
    if (list) return answer(200, listPage(accountSid, path, new URL(req.url ?? '/', 'http://x')));
    if (fetch) {
      const stored = messages.get(fetch[2]);
      return stored
        ? answer(200, stored)
        : answer(404, twilioError(404, 20404, `Message ${fetch[2]} was not found`));
    }
    const problem = validate(form, rejected);
    if (problem) return answer(problem.status as number, problem);
    const message = messageResource(accountSid, form, new Date());
    messages.set(message.sid as string, message);
    created.push(message);
    return answer(201, message);
  }

  /**
   * GET Messages.json as Twilio answers it: filtered by To and From, newest first, paged with
   * PageSize / Page / PageToken, in Twilio's list envelope (the SDK pages through next_page_uri).
   */
  function listPage(account: string, path: string, url: URL): Json {
    const to = url.searchParams.get('To');
    const from = url.searchParams.get('From');
    const pageSize = Math.min(Number(url.searchParams.get('PageSize') ?? 50) || 50, 1000);
    const page = Number(url.searchParams.get('Page') ?? 0) || 0;
    const matching = [...created]
      .reverse()
      .filter((m) => (to === null || m.to === to) && (from === null || m.from === from));
    const start = page * pageSize;
    const items = matching.slice(start, start + pageSize);
    const query = (p: number) => {
      const params = new URLSearchParams();
      if (to !== null) params.set('To', to);
      if (from !== null) params.set('From', from);
      params.set('PageSize', String(pageSize));
      params.set('Page', String(p));
      if (p > 0) params.set('PageToken', `PA${p}`);
      return `${path}?${params.toString()}`;
    };
    return {
      messages: items,
      start,
      end: start + Math.max(items.length - 1, 0),
      page,
      page_size: pageSize,
      uri: query(page),
      first_page_uri: query(0),
      previous_page_uri: page > 0 ? query(page - 1) : null,
      next_page_uri: start + pageSize < matching.length ? query(page + 1) : null,
      account_sid: account,
    };
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      send(res, 500, twilioError(500, 20500, `Fake Twilio crashed: ${String(err)}`));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const fake: FakeTwilio = {
    url: `http://127.0.0.1:${port}`,
    accountSid,
    authToken,
    requests,
    get created() {
      return requests.filter((r) => r.status === 201);
    },
    delayMs: 0,
    held,
    hold() {
      if (latch) return;
      let open = () => {};
      const opened = new Promise<void>((resolve) => (open = resolve));
      latch = { opened, open, drop: false };
    },
    release() {
      const current = latch;
      latch = null;
      held.length = 0;
      current?.open();
    },
    dropHeld() {
      const current = latch;
      latch = null;
      held.length = 0;
      if (current) current.drop = true;
      current?.open();
    },
    untilHeld(count, timeoutMs = 10_000) {
      if (held.length >= count) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const waiter = {
          count,
          resolve: () => {
            clearTimeout(timer);
            heldWaiters = heldWaiters.filter((w) => w !== waiter);
            resolve();
          },
        };
        const timer = setTimeout(() => {
          heldWaiters = heldWaiters.filter((w) => w !== waiter);
          reject(
            new Error(
              `fake Twilio: ${held.length} of ${count} requests held after ${timeoutMs} ms`,
            ),
          );
        }, timeoutMs);
        heldWaiters.push(waiter);
      });
    },
    failNext(count, failure) {
      failures = { remaining: count, spec: failure };
    },
    rejectNumber(to, code, message) {
      rejected.set(to, { code, message });
    },
    reset() {
      resets += 1;
      fake.release();
      requests.length = 0;
      messages.clear();
      created.length = 0;
      rejected.clear();
      failures = null;
      fake.delayMs = 0;
    },
    close() {
      fake.release();
      // Keep-alive sockets from the SDK's client would otherwise hold close() open.
      server.closeAllConnections();
      return new Promise((resolve, reject) =>
        server.close((err) => (err ? reject(err) : resolve())),
      );
    },
  };
  return fake;
}
