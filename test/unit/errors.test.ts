// The error catalogue: one entry per code, each with an honest HTTP status and a message.
import { STATUS_CODES } from 'node:http';
import { AppError, ERROR_CATALOGUE, isErrorCode, type ErrorCode } from '../../src/errors';

const entries = Object.entries(ERROR_CATALOGUE) as [
  ErrorCode,
  { status: number; message: string },
][];

describe('the error catalogue', () => {
  it('has snake_case codes', () => {
    expect(entries.length).toBeGreaterThan(30);
    for (const [code] of entries) expect(code).toMatch(/^[a-z]+(_[a-z0-9]+)*$/);
  });

  it.each(entries)('%s has an error status HTTP knows and a sentence for a message', (_c, e) => {
    expect(e.status).toBeGreaterThanOrEqual(400);
    expect(e.status).toBeLessThan(600);
    expect(STATUS_CODES[e.status]).toBeDefined();
    expect(e.message).toMatch(/^[A-Z]\S*( \S+)+$/);
  });

  it('gives an error its status and default message from the code', () => {
    const err = new AppError('schedule_not_found');
    expect(err).toMatchObject({ code: 'schedule_not_found', status: 404 });
    expect(err.message).toBe(ERROR_CATALOGUE.schedule_not_found.message);
    expect(new AppError('opted_out', 'Recipient +14155550123 has opted out').status).toBe(409);
  });

  it('knows its own codes only', () => {
    expect(isErrorCode('opted_out')).toBe(true);
    expect(isErrorCode('toString')).toBe(false);
    expect(isErrorCode('not_a_code')).toBe(false);
  });
});
