import { countSegments, nonGsmCharacters } from '../../../src/outbound/segments';

const a = (n: number) => 'a'.repeat(n);
const EMOJI = '😀'; // U+1F600: one code point, a surrogate pair (2 UTF-16 units)

describe('countSegments', () => {
  // [name, body, encoding, segments, characters, units]
  const cases: [string, string, 'GSM-7' | 'UCS-2', number, number, number][] = [
    ['empty body is one (billed) segment of 0 characters', '', 'GSM-7', 1, 0, 0],
    ['short GSM text', 'Hello!', 'GSM-7', 1, 6, 6],
    ['GSM 160 fits one SMS', a(160), 'GSM-7', 1, 160, 160],
    ['GSM 161 needs two', a(161), 'GSM-7', 2, 161, 161],
    ['GSM 306 is exactly two concatenated parts', a(306), 'GSM-7', 2, 306, 306],
    ['GSM 307 needs three', a(307), 'GSM-7', 3, 307, 307],
    ['GSM 459 is exactly three', a(459), 'GSM-7', 3, 459, 459],
    ['GSM accents and Greek from the basic set', 'Ça coûte 5€? ΔΩ ñ ß', 'UCS-2', 1, 19, 19],
    ['GSM basic-set accents', 'Ça va? ÄÖÜ äöü ñ ß é è à ¿¡ £¥§', 'GSM-7', 1, 31, 31],
    ['extension char costs two septets', '{x}', 'GSM-7', 1, 3, 5],
    ['euro sign is an extension char', '€', 'GSM-7', 1, 1, 2],
    ['form feed is an extension char', '\f', 'GSM-7', 1, 1, 2],
    ['all extension chars', '^{}\\[~]|€', 'GSM-7', 1, 9, 18],
    ['extension char at 159 fills 160 septets: one SMS', a(158) + '€', 'GSM-7', 1, 159, 160],
    ['extension char at 160 makes 161 septets: two', a(159) + '€', 'GSM-7', 2, 160, 161],
    // 152 + escape pair would split at 153: the pair moves to part 2 (152 | 2+1 = 3 septets).
    ['escape pair is not split across parts', a(152) + '[' + a(153), 'GSM-7', 3, 306, 307],
    [
      'escape pair ending exactly on the part boundary',
      a(151) + '[' + a(153),
      'GSM-7',
      2,
      305,
      306,
    ],
    ['UCS-2 70 fits one SMS', 'ж'.repeat(70), 'UCS-2', 1, 70, 70],
    ['UCS-2 71 needs two', 'ж'.repeat(71), 'UCS-2', 2, 71, 71],
    ['UCS-2 134 is exactly two parts', 'ж'.repeat(134), 'UCS-2', 2, 134, 134],
    ['UCS-2 135 needs three', 'ж'.repeat(135), 'UCS-2', 3, 135, 135],
    ['one non-GSM char turns the whole body UCS-2', a(69) + 'ж', 'UCS-2', 1, 70, 70],
    ['mixed GSM text with one curly quote is UCS-2', a(70) + '’', 'UCS-2', 2, 71, 71],
    ['extension chars cost 1 unit in UCS-2', '€'.repeat(69) + 'ж', 'UCS-2', 1, 70, 70],
    ['emoji is two UTF-16 units', EMOJI, 'UCS-2', 1, 1, 2],
    ['35 emoji fill 70 units: one SMS', EMOJI.repeat(35), 'UCS-2', 1, 35, 70],
    ['emoji at 70 makes 71 units: two', a(69) + EMOJI, 'UCS-2', 2, 70, 71],
    // 66 units + a pair would split at 67: the pair moves to part 2 (66 | 2+66 = 68 > 67 → 3).
    ['surrogate pair is not split across parts', a(66) + EMOJI + a(66), 'UCS-2', 3, 133, 134],
    ['surrogate pair ending exactly on the boundary', a(65) + EMOJI + a(67), 'UCS-2', 2, 133, 134],
    ['lone surrogate counts as one UCS-2 unit', '\ud83d', 'UCS-2', 1, 1, 1],
    ['CRLF and newline are GSM', 'a\r\nb\nc', 'GSM-7', 1, 6, 6],
  ];

  it.each(cases)('%s', (_name, body, encoding, segments, characters, units) => {
    expect(countSegments(body)).toEqual({ encoding, segments, characters, units });
  });

  it('treats every character of the GSM 03.38 basic set as GSM-7', () => {
    const basic =
      '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
      '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
    expect(Array.from(basic)).toHaveLength(127); // 128 code points minus ESC
    expect(countSegments(basic)).toMatchObject({ encoding: 'GSM-7', units: 127 });
  });

  it.each(['`', 'á', 'í', 'ó', 'ú', 'ç', '“', '…', '\t'])('%j is outside GSM-7', (char) => {
    expect(countSegments(`hi ${char}`).encoding).toBe('UCS-2');
  });
});

describe('nonGsmCharacters', () => {
  it.each([
    ['plain GSM-7, extension characters included', 'Hi [€5] {ok}', []],
    ['each character once, in order of appearance', 'café “ça” ☕ é', ['“', 'ç', '”', '☕']],
    ['an emoji whole, not its surrogate halves', 'a😀b😀', ['😀']],
  ])('%s', (_name, body, expected) => {
    expect(nonGsmCharacters(body)).toEqual(expected);
  });
});
