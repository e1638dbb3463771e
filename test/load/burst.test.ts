// A burst of concurrent webhooks: every message stored exactly once, every thread's count right.
import http from 'node:http';
import path from 'node:path';
import { startTestServer, type TestServer } from '../support/server';
import { PUBLIC_URL, inboundForm, sign } from '../support/twilioRequests';

const TOKEN = 'burst-test-token-0123456789abcdef';
const MESSAGES = 2000;
const CONTACTS = 200;

function post(port: number, agent: http.Agent, form: Record<string, string>): Promise<number> {
  const body = new URLSearchParams(form).toString();
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: '/twilio/sms',
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': Buffer.byteLength(body),
          'x-twilio-signature': sign(TOKEN, `${PUBLIC_URL}/twilio/sms`, form),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('a burst of concurrent webhooks', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(
      {
        PUBLIC_URL,
        TWILIO_ACCOUNT_SID: 'AC' + 'f'.repeat(32),
        TWILIO_AUTH_TOKEN: TOKEN,
        RULES_DIR: path.resolve(__dirname, '../fixtures/bot/rules'),
        TEMPLATES_DIR: path.resolve(__dirname, '../fixtures/bot/templates'),
      },
      { label: 'burst' },
    );
  });
  afterAll(() => server.stop());

  it(`stores ${MESSAGES} concurrent messages from ${CONTACTS} contacts exactly once, with right counts`, async () => {
    const forms = Array.from({ length: MESSAGES }, (_, i) =>
      inboundForm({
        From: `+1415555${String(3000 + (i % CONTACTS))}`,
        Body: i % 3 ? 'hours' : 'quiet',
      }),
    );
    // Every request in flight at once (one socket each), as a spike from Twilio would arrive.
    const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
    const statuses = await Promise.all(forms.map((form) => post(server.port, agent, form)));
    expect(statuses.filter((s) => s !== 200)).toEqual([]);

    const inbound = await server.models.Message.countDocuments({ direction: 'inbound' });
    expect(inbound).toBe(MESSAGES);
    const distinctSids = await server.models.Message.distinct('sid', { direction: 'inbound' });
    expect(distinctSids).toHaveLength(MESSAGES);

    const threads = await server.models.Thread.find({}).lean();
    expect(threads).toHaveLength(CONTACTS);
    for (const t of threads) {
      const stored = await server.models.Message.countDocuments({ thread: t._id });
      expect({ contact: t.contact, inbound: t.inboundCount, all: t.messageCount }).toEqual({
        contact: t.contact,
        inbound: MESSAGES / CONTACTS,
        all: stored,
      });
    }
  }, 240_000);
});
