import { PassThrough } from 'node:stream';
import { createLogger } from '../../src/logger';

function capture(format: 'json' | 'pretty', secrets: string[] = []) {
  const stream = new PassThrough();
  const lines: string[] = [];
  stream.on('data', (chunk: Buffer) => lines.push(...chunk.toString().split('\n').filter(Boolean)));
  const logger = createLogger({ level: 'info', format, secrets, stream });
  return { logger, lines, flush: () => new Promise((r) => setImmediate(r)) };
}

describe('logger', () => {
  it('writes JSON lines with the message and fields in json format', async () => {
    const { logger, lines, flush } = capture('json');
    logger.info('reply sent', { rule: 'hours', thread: '+14155550123' });
    await flush();
    expect(JSON.parse(lines[0])).toMatchObject({
      level: 'info',
      message: 'reply sent',
      rule: 'hours',
      thread: '+14155550123',
    });
  });

  it('writes one readable line per event in pretty format', async () => {
    const { logger, lines, flush } = capture('pretty');
    logger.warn('database unreachable, retrying', { attempt: 2 });
    await flush();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/warn\s+database unreachable, retrying \{"attempt":2\}$/);
  });

  it.each([
    ['an Authorization header', { headers: { authorization: 'Basic b3BzOnB3' } }, 'Basic b3BzOnB3'],
    ['a password field', { user: { name: 'ops', password: 'hunter22' } }, 'hunter22'],
    ['an auth token field', { authToken: 'f0e1d2c3b4a5' }, 'f0e1d2c3b4a5'],
  ])('never writes %s', async (_what, fields, secret) => {
    const { logger, lines, flush } = capture('json');
    logger.info('event', fields);
    await flush();
    expect(lines.join('\n')).not.toContain(secret);
    expect(lines.join('\n')).toContain('[redacted]');
  });

  it('removes known secret values wherever they appear, even in the message', async () => {
    const { logger, lines, flush } = capture('json', ['tok_abcdef123456']);
    logger.error('twilio said tok_abcdef123456 is wrong', {
      detail: { nested: 'x tok_abcdef123456 y' },
    });
    await flush();
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain('tok_abcdef123456');
    expect(JSON.parse(lines[0])).toMatchObject({
      level: 'error',
      message: 'twilio said [redacted] is wrong',
      detail: { nested: 'x [redacted] y' },
    });
  });
});
