import fc from 'fast-check';
import { decide, type DecideStats } from '../../../src/rules';
import { decideWithoutIndex } from '../../../src/rules/decide';
import { answer, decideBody, load, loadFiles, message, NOON_WEDNESDAY, thread } from './support';

describe('first match wins', () => {
  const ruleSet = load(`
rules:
  - id: hours-vip
    when: {keyword: hours, from: "+1212*"}
  - id: hours
    when: {keyword: hours}
  - id: anything-with-hours
    when: {contains: hours}
  - id: fallback
`);

  test.each([
    ['hours?', {}, 'hours'],
    ['hours?', { from: '+12125550100' }, 'hours-vip'],
    ['what are your hours', {}, 'anything-with-hours'],
    ['hello', {}, 'fallback'],
  ])('%j from %j → %s', (body, msg, expected) => {
    expect(answer(ruleSet, body, { message: msg })).toBe(expected);
  });
});

test('disabled rules are skipped but still listed', () => {
  const ruleSet = load(`
rules:
  - id: old-hours
    enabled: false
    when: {keyword: hours}
  - id: old-fallback
    enabled: false
  - id: hours
    when: {keyword: hours}
`);
  expect(answer(ruleSet, 'hours')).toBe('hours');
  expect(answer(ruleSet, 'other')).toBe('none');
  expect(ruleSet.rules.map((r) => [r.id, r.enabled])).toEqual([
    ['old-hours', false],
    ['old-fallback', false],
    ['hours', true],
  ]);
  expect(ruleSet.ruleCount).toBe(3);
});

describe('the candidate index', () => {
  const ruleSet = load(`
rules:
  - id: k-hours-from
    when: {keyword: hours, from: "+1212*"}
  - id: k-price
    when: {keyword: price}
  - id: regex-between
    when: {regex: '^(hours|price|menu)\\b'}
  - id: k-hours
    when: {keyword: [hours, open]}
  - id: e-opening
    when: {equals: "opening hours"}
  - id: c-menu
    when: {contains: ["menu card", "menu"]}
  - id: any-hi
    when: {any: [{keyword: hi}, {equals: "good morning"}]}
  - id: k-menu
    when: {keyword: menu}
  - id: ca-red-shirt
    when: {contains_all: [red, shirt]}
`);

  test('keyword, equals, contains and any rules are indexed; regex rules are always candidates', () => {
    expect(Object.fromEntries(ruleSet.index.byFirstWord)).toEqual({
      hours: [0, 3],
      price: [1],
      open: [3],
      hi: [6],
      menu: [7],
    });
    expect(Object.fromEntries(ruleSet.index.byWholeText)).toEqual({
      'opening hours': [4],
      'good morning': [6],
    });
    expect(Object.fromEntries(ruleSet.index.byAnyWord)).toEqual({ menu: [5], shirt: [8] });
    expect(ruleSet.index.always).toEqual([2]);
  });

  test.each([
    // keyword + from: the index proposes the rule, the other condition still decides
    ['hours', { from: '+12125550100' }, 'k-hours-from'],
    // a non-indexed rule between keyword rules keeps its place in the order
    ['hours', {}, 'regex-between'],
    ['price', {}, 'k-price'],
    ['menu', {}, 'regex-between'],
    ['open now', {}, 'k-hours'],
    ['opening hours', {}, 'e-opening'],
    ['the menu please', {}, 'c-menu'],
    ['Good morning!', {}, 'any-hi'],
    ['hi', {}, 'any-hi'],
    ['a red shirt', {}, 'ca-red-shirt'],
    ['shirt', {}, 'none'],
    ['unknown', {}, 'none'],
  ])('%j from %j → %s', (body, msg, expected) => {
    expect(answer(ruleSet, body, { message: msg })).toBe(expected);
  });

  test('an `any` with a non-indexable branch makes the rule an always-candidate', () => {
    const set = load(`rules:\n  - id: r\n    when: {any: [{keyword: hi}, {regex: hey}]}\n`);
    expect(set.index.always).toEqual([0]);
    expect(answer(set, 'oh hey')).toBe('r');
  });

  test('gives the same decision as checking every rule in order (property)', () => {
    const words = [
      'hours',
      'price',
      'menu',
      'open',
      'hi',
      'red',
      'shirt',
      'opening',
      'good',
      'morning',
      'x',
      '!',
    ];
    const bodies = fc.array(fc.constantFrom(...words), { maxLength: 5 }).map((w) => w.join(' '));
    const froms = fc.constantFrom('+12125550100', '+14155550123');
    fc.assert(
      fc.property(bodies, froms, (body, from) => {
        const m = message(body, { from });
        const indexed = decideBody(ruleSet, body, { message: { from } });
        expect(indexed).toEqual(decideWithoutIndex(ruleSet, m, thread(), NOON_WEDNESDAY));
      }),
    );
  });
});

describe('with 10,000 keyword rules', () => {
  const ruleSet = load(
    'rules:\n' +
      Array.from(
        { length: 10_000 },
        (_, i) => `  - id: k${i}\n    when: {keyword: [word${i}, alias${i}]}\n`,
      ).join('') +
      "  - id: order\n    when: {regex: '^order \\d+$'}\n" +
      '  - id: fallback\n',
  );
  const evaluated = (body: string) => {
    const stats: DecideStats = { rulesEvaluated: 0 };
    const decision = decide(ruleSet, message(body), thread(), NOON_WEDNESDAY, stats);
    return { rule: decision.rule?.id, rulesEvaluated: stats.rulesEvaluated };
  };

  test.each([
    ['word9999 please', 'k9999', 1],
    ['ALIAS5000!', 'k5000', 1],
    // The keyword lookup misses; only the two rules that can match any message are checked.
    ['order 42', 'order', 1],
    ['nothing we know', 'fallback', 2],
  ])('%j is checked against a handful of rules, not all of them', (body, rule, count) => {
    expect(evaluated(body)).toEqual({ rule, rulesEvaluated: count });
  });

  test('checking every rule in order would evaluate thousands', () => {
    const stats: DecideStats = { rulesEvaluated: 0 };
    const decision = decideWithoutIndex(
      ruleSet,
      message('word9999'),
      thread(),
      NOON_WEDNESDAY,
      stats,
    );
    expect([decision.rule?.id, stats.rulesEvaluated]).toEqual(['k9999', 10_000]);
  });
});

describe('rules from several files', () => {
  test('are joined in file order', () => {
    const set = loadFiles([
      { path: 'rules/10-first.yaml', content: 'rules:\n  - id: a\n    when: {keyword: hi}\n' },
      { path: 'rules/20-empty.yaml', content: '' },
      {
        path: 'rules/30-second.yml',
        content: 'rules:\n  - id: b\n    when: {keyword: hi}\n  - id: c\n',
      },
    ]);
    expect(set.files).toEqual([
      'rules/10-first.yaml',
      'rules/20-empty.yaml',
      'rules/30-second.yml',
    ]);
    expect(set.rules.map((r) => [r.id, r.file, r.line])).toEqual([
      ['a', 'rules/10-first.yaml', 2],
      ['b', 'rules/30-second.yml', 2],
      ['c', 'rules/30-second.yml', 4],
    ]);
    expect(answer(set, 'hi')).toBe('a');
    expect(answer(set, 'bye')).toBe('c');
  });
});

test('the version is a short hex hash that changes with any file content or name', () => {
  const file = { path: 'rules/a.yaml', content: 'rules:\n  - id: a\n' };
  const v1 = loadFiles([file]).version;
  expect(v1).toMatch(/^[0-9a-f]{12}$/);
  expect(loadFiles([{ ...file }]).version).toBe(v1);
  expect(loadFiles([{ ...file, content: 'rules:\n  - id: b\n' }]).version).not.toBe(v1);
  expect(loadFiles([{ ...file, path: 'rules/b.yaml' }]).version).not.toBe(v1);
});

test('decide leaves its inputs alone', () => {
  const ruleSet = load('rules:\n  - id: r\n    state: next\n    tags: {add: [t]}\n');
  const m = message('hi');
  const t = thread();
  const before = JSON.stringify([m, t]);
  expect(decideBody(ruleSet, 'hi').state).toBe('next');
  expect(JSON.stringify([m, t])).toBe(before);
});
