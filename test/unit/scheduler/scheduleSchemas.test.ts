// The schedule API's request validation: each bad input names the field at fault.
import { ScheduleCreateRequest, ScheduleUpdateRequest } from '../../../src/http/routes/schedules';
import { parseInput } from '../../../src/http/validate';
import { ValidationError } from '../../../src/errors';

const base = { to: '+14155550101', body: 'Hello' };

function fieldOf(
  schema: typeof ScheduleCreateRequest | typeof ScheduleUpdateRequest,
  body: unknown,
): string {
  try {
    parseInput(schema, body);
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return ((err as ValidationError).details as { field: string }[])[0].field;
  }
  throw new Error('accepted');
}

describe('POST /api/schedules body', () => {
  it.each([
    ['one number, once', { ...base, sendAt: '2030-01-01T09:00:00Z' }],
    ['a list, recurring', { to: ['+14155550101', '+14155550102'], body: 'Hi', cron: '0 9 * * *' }],
    [
      'a tag, 6-field cron, a zone',
      { to: { tag: 'vip' }, body: 'Hi', cron: '*/10 * * * * *', timezone: 'Europe/Berlin' },
    ],
    [
      'a template with vars',
      {
        to: '+14155550101',
        template: 'hours',
        vars: { a: 1 },
        sendAt: '2030-01-01T09:00:00+02:00',
      },
    ],
    [
      'disabled, named, from a number',
      { ...base, cron: '0 9 * * *', enabled: false, name: 'Daily', from: '+14155550100' },
    ],
  ])('accepts %s', (_name, body) => {
    expect(() => parseInput(ScheduleCreateRequest, body)).not.toThrow();
  });

  it('turns sendAt into a Date', () => {
    const parsed = parseInput(ScheduleCreateRequest, {
      ...base,
      sendAt: '2030-01-01T09:00:00+02:00',
    });
    expect(parsed.sendAt).toEqual(new Date('2030-01-01T07:00:00Z'));
  });

  it.each([
    ['no recipient', { body: 'Hi', cron: '0 9 * * *' }, 'to'],
    [
      'a bad number in a list',
      { to: ['+14155550101', '12345'], body: 'Hi', cron: '0 9 * * *' },
      'to.1',
    ],
    ['a number that does not exist', { to: '+10000000000', body: 'Hi', cron: '0 9 * * *' }, 'to'],
    ['an empty list', { to: [], body: 'Hi', cron: '0 9 * * *' }, 'to'],
    ['an empty tag', { to: { tag: '' }, body: 'Hi', cron: '0 9 * * *' }, 'to.tag'],
    ['neither body nor template', { to: '+14155550101', cron: '0 9 * * *' }, 'body'],
    ['both body and template', { ...base, template: 'hours', cron: '0 9 * * *' }, 'body'],
    ['vars without template', { ...base, vars: { a: 1 }, cron: '0 9 * * *' }, 'vars'],
    ['neither sendAt nor cron', base, 'sendAt'],
    [
      'both sendAt and cron',
      { ...base, sendAt: '2030-01-01T09:00:00Z', cron: '0 9 * * *' },
      'sendAt',
    ],
    ['sendAt without an offset', { ...base, sendAt: '2030-01-01T09:00:00' }, 'sendAt'],
    ['sendAt not a date', { ...base, sendAt: 'tomorrow' }, 'sendAt'],
    ['cron with 4 fields', { ...base, cron: '* * * *' }, 'cron'],
    ['cron with a bad hour', { ...base, cron: '0 24 * * *' }, 'cron'],
    ['an unknown zone', { ...base, cron: '0 9 * * *', timezone: 'Mars/Olympus' }, 'timezone'],
    ['an unknown field', { ...base, cron: '0 9 * * *', when: 'now' }, '(root)'],
    [
      'an operator object as body',
      { to: '+14155550101', body: { $gt: '' }, cron: '0 9 * * *' },
      'body',
    ],
    [
      'a body over 1600 characters',
      { to: '+14155550101', body: 'x'.repeat(1601), cron: '0 9 * * *' },
      'body',
    ],
  ])('refuses %s, naming %s', (_name, body, field) => {
    expect(fieldOf(ScheduleCreateRequest, body)).toBe(field);
  });
});

describe('PATCH /api/schedules/:id body', () => {
  it.each([
    [{ enabled: false }],
    [{ cron: '0 10 * * *' }],
    [{ body: 'New text' }],
    [{ name: null }],
  ])('accepts %j', (body) => {
    expect(() => parseInput(ScheduleUpdateRequest, body)).not.toThrow();
  });

  it.each([
    [{}, '(root)'],
    [{ sendAt: '2030-01-01T09:00:00Z', cron: '0 9 * * *' }, 'sendAt'],
    [{ body: 'a', template: 'hours' }, 'body'],
    [{ enabled: 'no' }, 'enabled'],
    [{ cron: 'every day' }, 'cron'],
  ])('refuses %j, naming %s', (body, field) => {
    expect(fieldOf(ScheduleUpdateRequest, body)).toBe(field);
  });
});
