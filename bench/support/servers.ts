// The servers the benchmarks load, each a child process on loopback: ReplyBot as `npm start` runs
// it (compiled, plain node), and the two baselines of the webhook benchmark.
import { AUTH_TOKEN, PUBLIC_URL } from './load';
import { startChild, type ChildServer } from './environment';
const { buildIfNeeded } = require('../../scripts/build-if-needed.js') as {
  buildIfNeeded: () => void;
};

export const ADMIN_USER = 'bench';
export const ADMIN_PASSWORD = 'bench-password';

/** ReplyBot: compiled, plain node, production settings; `env` adds to or overrides them. */
export function startReplyBot(
  uri: string,
  env: Record<string, string> = {},
  nodeArgs: string[] = [],
): Promise<ChildServer> {
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
      ADMIN_USERS: `${ADMIN_USER}:${ADMIN_PASSWORD}`,
      // In production the admin API answers over HTTPS only: as behind a TLS proxy on this host.
      TRUST_PROXY: 'loopback',
      SCHEDULER: 'off',
      WATCH_RULES: 'false',
      LOG_LEVEL: 'warn',
      ...env,
    },
    nodeArgs,
  );
}

/** (a) of the webhook benchmark: express answering static TwiML, nothing stored. */
export const startBareServer = (): Promise<ChildServer> =>
  startChild('bench/support/bareServer.js', {});

/** (b) of the webhook benchmark: the same stores as ReplyBot's, raw driver, static reply. */
export const startMinimalWebhook = (uri: string, nodeArgs: string[] = []): Promise<ChildServer> =>
  startChild('bench/support/minimalWebhook.js', { MONGODB_URI: uri }, nodeArgs);

/** Headers of an admin API call: Basic Auth, JSON, and HTTPS as a TLS proxy on loopback reports it. */
export const adminHeaders = {
  authorization: `Basic ${Buffer.from(`${ADMIN_USER}:${ADMIN_PASSWORD}`).toString('base64')}`,
  'content-type': 'application/json',
  'x-forwarded-proto': 'https',
};
