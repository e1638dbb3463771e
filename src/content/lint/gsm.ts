// Characters that force a whole SMS into UCS-2 (70 characters a segment instead of 160) although
// a GSM-7 character looks the same; the replacements Twilio's "smart encoding" would make:
// https://www.twilio.com/docs/messaging/services/smart-encoding-char-list

export interface LookAlike {
  /** U+201C LEFT DOUBLE QUOTATION MARK */
  name: string;
  replacement: string;
}

const TABLE: [string, string, string][] = [
  ['\u00A0', 'NO-BREAK SPACE', ' '],
  ['\u00AB', 'LEFT-POINTING DOUBLE ANGLE QUOTATION MARK', '"'],
  ['\u00BB', 'RIGHT-POINTING DOUBLE ANGLE QUOTATION MARK', '"'],
  ['\u00B4', 'ACUTE ACCENT', "'"],
  ['\u02BB', 'MODIFIER LETTER TURNED COMMA', "'"],
  ['\u02BC', 'MODIFIER LETTER APOSTROPHE', "'"],
  ['\u02C6', 'MODIFIER LETTER CIRCUMFLEX ACCENT', '^'],
  ['\u02DC', 'SMALL TILDE', '~'],
  ['\u2000', 'EN QUAD', ' '],
  ['\u2001', 'EM QUAD', ' '],
  ['\u2002', 'EN SPACE', ' '],
  ['\u2003', 'EM SPACE', ' '],
  ['\u2004', 'THREE-PER-EM SPACE', ' '],
  ['\u2005', 'FOUR-PER-EM SPACE', ' '],
  ['\u2006', 'SIX-PER-EM SPACE', ' '],
  ['\u2007', 'FIGURE SPACE', ' '],
  ['\u2008', 'PUNCTUATION SPACE', ' '],
  ['\u2009', 'THIN SPACE', ' '],
  ['\u200A', 'HAIR SPACE', ' '],
  ['\u200B', 'ZERO WIDTH SPACE', ''],
  ['\u2010', 'HYPHEN', '-'],
  ['\u2011', 'NON-BREAKING HYPHEN', '-'],
  ['\u2012', 'FIGURE DASH', '-'],
  ['\u2013', 'EN DASH', '-'],
  ['\u2014', 'EM DASH', '-'],
  ['\u2015', 'HORIZONTAL BAR', '-'],
  ['\u2016', 'DOUBLE VERTICAL LINE', '|'],
  ['\u2018', 'LEFT SINGLE QUOTATION MARK', "'"],
  ['\u2019', 'RIGHT SINGLE QUOTATION MARK', "'"],
  ['\u201A', 'SINGLE LOW-9 QUOTATION MARK', "'"],
  ['\u201B', 'SINGLE HIGH-REVERSED-9 QUOTATION MARK', "'"],
  ['\u201C', 'LEFT DOUBLE QUOTATION MARK', '"'],
  ['\u201D', 'RIGHT DOUBLE QUOTATION MARK', '"'],
  ['\u201E', 'DOUBLE LOW-9 QUOTATION MARK', '"'],
  ['\u201F', 'DOUBLE HIGH-REVERSED-9 QUOTATION MARK', '"'],
  ['\u2022', 'BULLET', '-'],
  ['\u2024', 'ONE DOT LEADER', '.'],
  ['\u2026', 'HORIZONTAL ELLIPSIS', '...'],
  ['\u202F', 'NARROW NO-BREAK SPACE', ' '],
  ['\u2032', 'PRIME', "'"],
  ['\u2033', 'DOUBLE PRIME', '"'],
  ['\u2035', 'REVERSED PRIME', "'"],
  ['\u2036', 'REVERSED DOUBLE PRIME', '"'],
  ['\u2039', 'SINGLE LEFT-POINTING ANGLE QUOTATION MARK', '<'],
  ['\u203A', 'SINGLE RIGHT-POINTING ANGLE QUOTATION MARK', '>'],
  ['\u2043', 'HYPHEN BULLET', '-'],
  ['\u2044', 'FRACTION SLASH', '/'],
  ['\u205F', 'MEDIUM MATHEMATICAL SPACE', ' '],
  ['\u2060', 'WORD JOINER', ''],
  ['\u2212', 'MINUS SIGN', '-'],
  ['\u2215', 'DIVISION SLASH', '/'],
  ['\u2217', 'ASTERISK OPERATOR', '*'],
  ['\u3000', 'IDEOGRAPHIC SPACE', ' '],
  ['\uFEFF', 'ZERO WIDTH NO-BREAK SPACE', ''],
  ['\uFF02', 'FULLWIDTH QUOTATION MARK', '"'],
  ['\uFF07', 'FULLWIDTH APOSTROPHE', "'"],
];

export const GSM_LOOK_ALIKES: ReadonlyMap<string, LookAlike> = new Map(
  TABLE.map(([char, name, replacement]) => [char, { name, replacement }]),
);

/** Each character of `text` that has a GSM-7 look-alike, with its index in the string. */
export function lookAlikesIn(
  text: string,
): { char: string; index: number; lookAlike: LookAlike }[] {
  const found: { char: string; index: number; lookAlike: LookAlike }[] = [];
  for (let i = 0; i < text.length; i++) {
    const lookAlike = GSM_LOOK_ALIKES.get(text[i]);
    if (lookAlike) found.push({ char: text[i], index: i, lookAlike });
  }
  return found;
}

/** How a finding names the character: `“ (U+201C LEFT DOUBLE QUOTATION MARK)`. */
export function describeChar(char: string, lookAlike: LookAlike): string {
  const code = `U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
  const visible = /\s|[\u200B\u2060\uFEFF]/.test(char) ? '' : `${char} `;
  return `${visible}(${code} ${lookAlike.name})`;
}
