import {
  normalizeBody,
  normalizePrefix,
  normalizeText,
  wordsOf,
} from '../../../src/rules/normalize';

describe('normalizeText', () => {
  test.each([
    ['Hours?', 'hours'],
    ['  HOURS!!  ', 'hours'],
    ['opening    hours', 'opening hours'],
    ['opening\t\nhours', 'opening hours'],
    ['¿Horario?', 'horario'],
    ['«Café»', 'café'],
    ['ＨＯＵＲＳ', 'hours'], // full-width letters fold to ASCII under NFKC
    ['ﬁne', 'fine'], // ligature
    ['Cafe\u0301', 'café'], // combining accent composes
    ['👋 hi there 🙂', 'hi there'],
    ['👍', '👍'], // an emoji-only message keeps its emoji
    ['❤️', '❤'], // variation selector dropped
    ['?', '?'],
    ['', ''],
    ['   ', ''],
    ['\u200Bstop\u200B', 'stop'], // zero-width spaces at the edges
    ["what's up?", "what's up"],
  ])('%j → %j', (input, expected) => {
    expect(normalizeText(input)).toBe(expected);
  });

  test('keeps accents significant', () => {
    expect(normalizeText('café')).not.toBe(normalizeText('cafe'));
  });
});

describe('wordsOf', () => {
  test.each([
    ['hours, prices & more!', ['hours', 'prices', 'more']],
    ['price - cost', ['price', 'cost']],
    ['e-mail me', ['e-mail', 'me']],
    ['ok 👍 thanks', ['ok', '👍', 'thanks']],
    ['', []],
  ])('%j → %j', (input, expected) => {
    expect(wordsOf(normalizeText(input))).toEqual(expected);
  });
});

describe('normalizePrefix', () => {
  test.each([
    ['book ', 'book '],
    ['Book', 'book'],
    ['  BOOK   ', 'book '],
    ['   ', ''],
  ])('%j → %j', (input, expected) => {
    expect(normalizePrefix(input)).toBe(expected);
  });
});

describe('normalizeBody', () => {
  test('keeps case for the regex subject and offers it without surrounding punctuation', () => {
    expect(normalizeBody('  Order   1234. ')).toMatchObject({
      collapsed: 'Order 1234.',
      collapsedStripped: 'Order 1234',
      text: 'order 1234',
      words: ['order', '1234'],
      spacedWords: ' order 1234 ',
    });
  });

  test('treats a missing body as empty instead of throwing', () => {
    expect(normalizeBody(undefined as unknown as string).text).toBe('');
  });
});
