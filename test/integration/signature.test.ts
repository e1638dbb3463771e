// X-Twilio-Signature through our own webhook: Twilio's published vectors and the URL we rebuild
// from the request when PUBLIC_URL is unset (behind a proxy only when `trust proxy` says so).
import { readFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import path from 'node:path';
import express from 'express';
import request from 'supertest';
import { createLogger, createSilentLogger } from '../../src/logger';
import { requestLog } from '../../src/http/middleware/requestLog';
import { twilioSignature } from '../../src/http/middleware/twilioSignature';
import { startTestServer, type TestServer } from '../support/server';
import { inboundForm, sign } from '../support/twilioRequests';

interface Vector {
  source: string;
  authToken: string;
  url: string;
  params: Record<string, string>;
  signature: string;
}
const vectors: Vector[] = JSON.parse(
  readFileSync(path.join(__dirname, '../fixtures/twilio/signature-vectors.json'), 'utf8'),
);

const ACCOUNT_SID = 'AC0123456789abcdef0123456789abcdef';
// Nothing is sent from these servers; never reach the real Twilio.
const NO_TWILIO_API = 'http://127.0.0.1:9';
const OUR_ROUTES = ['/twilio/sms', '/twilio/status'];

const servers = new Map<string, Promise<TestServer>>();
/** One server per (PUBLIC_URL, auth token, TRUST_PROXY), started on first use. */
function serverFor(env: { PUBLIC_URL?: string; TWILIO_AUTH_TOKEN: string; TRUST_PROXY?: string }) {
  const key = JSON.stringify(env);
  let started = servers.get(key);
  if (!started) {
    started = startTestServer(
      { TWILIO_ACCOUNT_SID: ACCOUNT_SID, TWILIO_API_URL: NO_TWILIO_API, ...env },
      { label: `signature-${servers.size}` },
    );
    servers.set(key, started);
  }
  return started;
}
afterAll(async () => {
  for (const started of servers.values()) await (await started).stop();
});

const isLocal = (url: URL) => url.hostname === '127.0.0.1' || url.hostname === 'localhost';

/**
 * Posts a vector's parameters with its signature to our server. A public URL becomes PUBLIC_URL;
 * a localhost URL is rebuilt from the request, so the Host header carries its host and port.
 */
async function postVector(v: Vector, params: Record<string, string>) {
  const url = new URL(v.url);
  const server = await serverFor(
    isLocal(url)
      ? { TWILIO_AUTH_TOKEN: v.authToken }
      : { PUBLIC_URL: url.origin, TWILIO_AUTH_TOKEN: v.authToken },
  );
  const req = request(server.url)
    .post(url.pathname + url.search)
    .type('form')
    .set('X-Twilio-Signature', v.signature);
  if (isLocal(url)) req.set('Host', url.host);
  return req.send(new URLSearchParams(params).toString());
}

const webhookVectors = vectors.filter((v) => OUR_ROUTES.includes(new URL(v.url).pathname));
const tampered = (v: Vector) => ({ ...v.params, From: '+14155550199' });

describe('the signature vectors, posted to our webhook', () => {
  it('covers every vector at one of our routes', () => {
    // The rest (Twilio's documentation example, a voice call to /myapp.php) is checked below
    // through the same middleware on its own path.
    expect(webhookVectors.length).toBe(vectors.length - 1);
  });

  it.each(webhookVectors.map((v) => [v.source, v] as const))('%s is accepted', async (_s, v) => {
    const res = await postVector(v, v.params);
    expect(res.status).toBe(new URL(v.url).pathname === '/twilio/status' ? 204 : 200);
  });

  it.each(webhookVectors.map((v) => [v.source, v] as const))(
    '%s is refused with one parameter changed',
    async (_s, v) => {
      const res = await postVector(v, tampered(v));
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('twilio_signature_invalid');
    },
  );

  describe("Twilio's documentation example, through our signature middleware", () => {
    const v = vectors.find((x) => !OUR_ROUTES.includes(new URL(x.url).pathname))!;
    const url = new URL(v.url);
    const app = express();
    app.use(requestLog(createSilentLogger()));
    app.use(express.urlencoded({ extended: false }));
    app.post(
      url.pathname,
      twilioSignature({ authToken: v.authToken, enabled: true, publicUrl: url.origin }),
      (_req, res) => {
        res.status(200).end();
      },
    );
    const post = (params: Record<string, string>) =>
      request(app)
        .post(url.pathname + url.search)
        .type('form')
        .set('X-Twilio-Signature', v.signature)
        .send(new URLSearchParams(params).toString());

    it('is accepted', () => post(v.params).expect(200));
    it('is refused with one parameter changed', () => post(tampered(v)).expect(403));
  });
});

describe('without PUBLIC_URL, the URL is rebuilt from the request', () => {
  const authToken = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
  const form = () => inboundForm({ Body: 'hours' });
  const behindProxy = (server: TestServer, params: Record<string, string>) =>
    request(server.url)
      .post('/twilio/sms')
      .type('form')
      .set('X-Forwarded-Proto', 'https')
      .set('X-Forwarded-Host', 'sms.example.com')
      .set('X-Twilio-Signature', sign(authToken, 'https://sms.example.com/twilio/sms', params))
      .send(new URLSearchParams(params).toString());

  it('accepts a request signed for http://127.0.0.1:PORT/twilio/sms', async () => {
    const server = await serverFor({ TWILIO_AUTH_TOKEN: authToken });
    const params = form();
    await request(server.url)
      .post('/twilio/sms')
      .type('form')
      .set('X-Twilio-Signature', sign(authToken, `${server.url}/twilio/sms`, params))
      .send(new URLSearchParams(params).toString())
      .expect(200);
  });

  it('with TRUST_PROXY=true, uses X-Forwarded-Proto and X-Forwarded-Host', async () => {
    const server = await serverFor({ TWILIO_AUTH_TOKEN: authToken, TRUST_PROXY: 'true' });
    await behindProxy(server, form()).expect(200);
  });

  it('without trust proxy, ignores the forwarded headers (anyone could send them)', async () => {
    const server = await serverFor({ TWILIO_AUTH_TOKEN: authToken });
    const params = form();
    const res = await behindProxy(server, params).expect(403);
    expect(res.body.error.code).toBe('twilio_signature_invalid');
    expect(await server.models.Message.countDocuments({ sid: params.MessageSid })).toBe(0);
  });
});

describe('a refused webhook says which check failed', () => {
  const authToken = 'b1c2d3e4f5a60718293a4b5c6d7e8f90';
  const post = (server: TestServer, params: Record<string, string>, signature?: string) => {
    const req = request(server.url).post('/twilio/sms').type('form');
    if (signature !== undefined) req.set('X-Twilio-Signature', signature);
    return req.send(new URLSearchParams(params).toString());
  };

  it('without TWILIO_AUTH_TOKEN: twilio_auth_token_missing, naming the local-testing switch, logged once', async () => {
    const warnings: Record<string, unknown>[] = [];
    const stream = new PassThrough();
    stream.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n').filter(Boolean)) {
        const entry = JSON.parse(line);
        if (entry.level === 'warn') warnings.push(entry);
      }
    });
    // No Twilio account at all (dry-run sends), as on a first local start.
    const server = await startTestServer(
      {},
      {
        label: 'signature-no-token',
        logger: createLogger({ level: 'warn', format: 'json', stream }),
      },
    );
    try {
      for (const _ of [1, 2]) {
        const res = await post(server, inboundForm({ Body: 'hours' }), 'anything').expect(403);
        expect(res.body.error.code).toBe('twilio_auth_token_missing');
        expect(res.body.error.message).toMatch(/TWILIO_AUTH_TOKEN is not set/);
        expect(res.body.error.message).toMatch(/TWILIO_VALIDATE_SIGNATURE=false/);
      }
      expect(
        warnings.filter((w) => String(w.message).includes('TWILIO_AUTH_TOKEN is not set')),
      ).toHaveLength(1);
    } finally {
      await server.stop();
    }
  });

  it('with no X-Twilio-Signature header: twilio_signature_missing', async () => {
    const server = await serverFor({ TWILIO_AUTH_TOKEN: authToken });
    const res = await post(server, inboundForm({ Body: 'hours' })).expect(403);
    expect(res.body.error.code).toBe('twilio_signature_missing');
    expect(res.body.error.message).toMatch(/TWILIO_VALIDATE_SIGNATURE=false/);
  });

  it('with a signature made with another token: twilio_signature_invalid, naming what to check', async () => {
    const server = await serverFor({ TWILIO_AUTH_TOKEN: authToken });
    const params = inboundForm({ Body: 'hours' });
    const signature = sign('another-token', `${server.url}/twilio/sms`, params);
    const res = await post(server, params, signature).expect(403);
    expect(res.body.error).toEqual({
      code: 'twilio_signature_invalid',
      message: expect.stringMatching(/TWILIO_AUTH_TOKEN.*PUBLIC_URL/),
    });
  });
});
