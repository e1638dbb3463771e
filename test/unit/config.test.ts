import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig, readEnvironment } from '../../src/config';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('configuration', () => {
  it('uses the documented defaults when nothing is set', () => {
    const config = loadConfig({}, () => 'generated-pw');
    expect(config).toMatchObject({
      port: 3000,
      publicUrl: null,
      mongodbUri: null,
      dataDir: path.resolve('./data'),
      twilio: {
        accountSid: null,
        authToken: null,
        from: null,
        apiUrl: null,
        validateSignature: true,
      },
      rulesDir: path.resolve('./rules'),
      templatesDir: path.resolve('./templates'),
      watchRules: true,
      timezone: 'UTC',
      logLevel: 'info',
      logFormat: 'pretty',
      scheduler: true,
      missedGraceMs: 3_600_000,
      trustProxy: false,
    });
  });

  it('creates user admin with a generated password in development when ADMIN_USERS is unset', () => {
    const config = loadConfig({}, () => 'generated-pw');
    expect(config.adminUsers).toEqual([{ name: 'admin', password: 'generated-pw' }]);
    expect(config.generatedAdminPassword).toBe('generated-pw');
  });

  it('reads ADMIN_USERS as name:password pairs, passwords may contain colons', () => {
    const config = loadConfig({ ADMIN_USERS: 'ann:s3cret, bob:pa:ss' });
    expect(config.adminUsers).toEqual([
      { name: 'ann', password: 's3cret' },
      { name: 'bob', password: 'pa:ss' },
    ]);
    expect(config.generatedAdminPassword).toBeNull();
  });

  it('defaults to JSON logs in production', () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      MONGODB_URI: 'mongodb://db:27017/replybot',
      TWILIO_ACCOUNT_SID: 'AC0123456789abcdef0123456789abcdef',
      TWILIO_AUTH_TOKEN: 'token',
      ADMIN_USERS: 'ops:pw',
      PUBLIC_URL: 'https://sms.example.com/',
    });
    expect(config.logFormat).toBe('json');
    expect(config.publicUrl).toBe('https://sms.example.com');
  });

  it('refuses production without the four required variables, naming each', () => {
    expect(problemsOf({ NODE_ENV: 'production' })).toEqual([
      'MONGODB_URI is required when NODE_ENV=production',
      'TWILIO_AUTH_TOKEN is required when NODE_ENV=production',
      'ADMIN_USERS is required when NODE_ENV=production',
      'PUBLIC_URL is required when NODE_ENV=production',
    ]);
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT must be a port number, got "eighty"'],
    [{ PORT: '70000' }, 'PORT must be a port number, got "70000"'],
    [
      { PUBLIC_URL: 'sms.example.com' },
      'PUBLIC_URL must be an http(s) URL such as https://sms.example.com',
    ],
    [{ MONGODB_URI: 'postgres://x' }, 'MONGODB_URI must start with mongodb:// or mongodb+srv://'],
    [
      { TWILIO_VALIDATE_SIGNATURE: 'maybe' },
      'TWILIO_VALIDATE_SIGNATURE must be true or false, got "maybe"',
    ],
    [{ WATCH_RULES: 'sometimes' }, 'WATCH_RULES must be true or false, got "sometimes"'],
    [{ TIMEZONE: 'Mars/Olympus' }, 'TIMEZONE must be an IANA time zone such as Europe/Berlin'],
    [
      { LOG_LEVEL: 'loud' },
      'LOG_LEVEL must be one of error, warn, info, http, verbose, debug, silly',
    ],
    [{ LOG_FORMAT: 'xml' }, 'LOG_FORMAT must be json or pretty'],
    [{ SCHEDULER: 'maybe' }, 'SCHEDULER must be on or off'],
    [
      { MISSED_GRACE: 'soon' },
      'MISSED_GRACE: duration must look like 45s, 30m, 2h, 1d or 1h30m, got "soon"',
    ],
    [
      { SEND_LEASE: 'soon' },
      'SEND_LEASE: duration must look like 45s, 30m, 2h, 1d or 1h30m, got "soon"',
    ],
    [{ SEND_LEASE: '500ms' }, 'SEND_LEASE must be at least 1s, got "500ms"'],
    [
      { TWILIO_FROM: '0415555' },
      'TWILIO_FROM must be an E.164 number (+14155550100) or a Messaging Service SID (MG…)',
    ],
    [
      { TWILIO_ACCOUNT_SID: 'AC123', TWILIO_AUTH_TOKEN: 't' },
      'TWILIO_ACCOUNT_SID must be "AC" followed by 32 hex digits',
    ],
    [
      { TWILIO_AUTH_TOKEN: 'only-token' },
      'TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN must be set together',
    ],
    [{ ADMIN_USERS: 'nopassword' }, 'ADMIN_USERS must be name:password pairs separated by commas'],
    [{ ADMIN_USERS: ',' }, 'ADMIN_USERS must be name:password pairs separated by commas'],
    [{ ADMIN_USERS: ' , , ' }, 'ADMIN_USERS must be name:password pairs separated by commas'],
    [{ BODY_LIMIT: 'lots' }, 'BODY_LIMIT must be a size such as 100kb or 1mb'],
    [{ BODY_LIMIT: '100kib' }, 'BODY_LIMIT must be a size such as 100kb or 1mb'],
    [{ BODY_LIMIT: '0' }, 'BODY_LIMIT must be a size such as 100kb or 1mb'],
    [{ BODY_LIMIT: '-5kb' }, 'BODY_LIMIT must be a size such as 100kb or 1mb'],
    [
      { TRUST_PROXY: 'yes-please' },
      'TRUST_PROXY must be true, false, a hop count, or addresses/subnets/loopback/linklocal/uniquelocal separated by commas (invalid IP address: yes-please)',
    ],
    [
      { TRUST_PROXY: '10.0.0.1,' },
      'TRUST_PROXY must be true, false, a hop count, or addresses/subnets/loopback/linklocal/uniquelocal separated by commas (invalid IP address: )',
    ],
    [
      { TRUST_PROXY: '10.0.0.0/33' },
      'TRUST_PROXY must be true, false, a hop count, or addresses/subnets/loopback/linklocal/uniquelocal separated by commas (invalid range on address: 10.0.0.0/33)',
    ],
  ])('rejects %j with one clear line', (env, problem) => {
    expect(problemsOf(env as Record<string, string>)).toEqual([problem]);
  });

  it.each([
    ['100kb', '100kb'],
    ['1mb', '1mb'],
    ['2048', '2048'],
    [undefined, '100kb'],
  ])('accepts BODY_LIMIT %s', (value, limit) => {
    expect(loadConfig({ BODY_LIMIT: value }).bodyLimit).toBe(limit);
  });

  it.each([
    ['true', true],
    ['FALSE', false],
    ['2', 2],
    ['loopback', 'loopback'],
    ['loopback, 10.0.0.0/8, fd00::/8', 'loopback, 10.0.0.0/8, fd00::/8'],
    ['linklocal,uniquelocal', 'linklocal,uniquelocal'],
    ['192.168.0.1/255.255.0.0', '192.168.0.1/255.255.0.0'],
  ])('accepts TRUST_PROXY %s as express would', (value, trustProxy) => {
    expect(loadConfig({ TRUST_PROXY: value }).trustProxy).toEqual(trustProxy);
  });

  it('never falls back to a generated admin in production when ADMIN_USERS names nobody', () => {
    expect(
      problemsOf({
        NODE_ENV: 'production',
        MONGODB_URI: 'mongodb://db:27017/replybot',
        TWILIO_ACCOUNT_SID: 'AC0123456789abcdef0123456789abcdef',
        TWILIO_AUTH_TOKEN: 'token',
        ADMIN_USERS: ' , ',
        PUBLIC_URL: 'https://sms.example.com',
      }),
    ).toEqual(['ADMIN_USERS must be name:password pairs separated by commas']);
  });

  it('reports every problem at once, one line each', () => {
    expect(problemsOf({ PORT: 'x', LOG_FORMAT: 'xml', TIMEZONE: 'Nowhere' })).toHaveLength(3);
  });

  it('never echoes an ADMIN_USERS value in its error', () => {
    expect(problemsOf({ ADMIN_USERS: 'ann-secret-value' }).join('\n')).not.toContain(
      'ann-secret-value',
    );
  });

  it('reads durations in the grammar rules use (src/duration.ts)', () => {
    const config = loadConfig({ MISSED_GRACE: '1h30m', SEND_LEASE: '1.5m' });
    expect(config.missedGraceMs).toBe(5_400_000);
    expect(config.sendLeaseMs).toBe(90_000);
  });

  describe('.env file', () => {
    it('is read when present, and the real environment wins over it', () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'replybot-env-'));
      writeFileSync(path.join(dir, '.env'), 'PORT=4000\nTIMEZONE=Europe/Berlin\n');
      const env = readEnvironment({ PORT: '5000' }, dir);
      const config = loadConfig(env);
      expect(config.port).toBe(5000);
      expect(config.timezone).toBe('Europe/Berlin');
    });

    it('is optional', () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'replybot-env-'));
      expect(readEnvironment({ PORT: '5000' }, dir)).toEqual({ PORT: '5000' });
    });
  });
});
