import { buildTemplateContext } from '../../../src/templates';

const now = new Date('2024-07-01T12:00:00Z');

describe('buildTemplateContext', () => {
  it('fills every field for a message we start ourselves', () => {
    expect(buildTemplateContext({ contact: { phone: '+14155550123' }, now })).toEqual({
      message: { body: '', from: '', to: '', media: [] },
      contact: {
        phone: '+14155550123',
        vars: {},
        tags: [],
        state: null,
        firstSeen: now,
        messageCount: 0,
      },
      match: {},
      vars: {},
      now,
      rule: null,
    });
  });

  it('takes media as URLs or as Twilio media entries', () => {
    const context = buildTemplateContext({
      message: { body: '', media: ['https://a/1', { url: 'https://a/2' }] },
      contact: { phone: '+1' },
      now,
    });
    expect(context.message.media).toEqual(['https://a/1', 'https://a/2']);
  });

  it('makes vars the same object as contact.vars', () => {
    const context = buildTemplateContext({ contact: { phone: '+1', vars: { name: 'Ana' } }, now });
    expect(context.vars).toBe(context.contact.vars);
    expect(context.vars).toEqual({ name: 'Ana' });
  });

  it('copies what it is given, so rendering cannot change the caller’s thread', () => {
    const vars = { name: 'Ana' };
    const tags = ['vip'];
    const context = buildTemplateContext({ contact: { phone: '+1', vars, tags }, now });
    context.vars.name = 'changed';
    context.contact.tags.push('x');
    expect(vars).toEqual({ name: 'Ana' });
    expect(tags).toEqual(['vip']);
  });

  it.each([
    [
      { id: 'hours', description: 'Opening hours' },
      { id: 'hours', description: 'Opening hours' },
    ],
    [{ id: 'hours' }, { id: 'hours', description: null }],
    [null, null],
  ])('describes the rule %j as %j', (rule, expected) => {
    expect(buildTemplateContext({ contact: { phone: '+1' }, now, rule }).rule).toEqual(expected);
  });
});
