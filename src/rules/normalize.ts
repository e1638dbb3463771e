// Text normalisation shared by rule values (at load) and message bodies (at match time), so both
// sides of every comparison go through exactly the same steps.

// Punctuation, symbols (emoji included), format characters (zero-width space, ZWJ) and whitespace at
// either end of a text or a word do not change what a texter means: "Hours?", " hours!! " → "hours".
const EDGE_ALL = /^[\p{P}\p{S}\p{Cf}\s]+|[\p{P}\p{S}\p{Cf}\s]+$/gu;
const EDGE_PUNCT = /^[\p{P}\p{Cf}\s]+|[\p{P}\p{Cf}\s]+$/gu;
// Emoji presentation selectors make "❤️" and "❤" different strings for no visible reason.
const VARIATION_SELECTORS = /[\uFE0E\uFE0F]/g;
const WHITESPACE_RUN = /\s+/g;
const ONLY_PUNCT = /^\p{P}+$/u;

/**
 * Strips surrounding punctuation and symbols. When that would leave nothing (the text IS an emoji
 * or a symbol, e.g. "👍" or "?"), it keeps the symbols so such messages and keywords still compare.
 */
export function stripEdges(s: string): string {
  const all = s.replace(EDGE_ALL, '');
  if (all !== '') return all;
  const punct = s.replace(EDGE_PUNCT, '');
  return punct !== '' ? punct : s.trim();
}

/** NFKC (so full-width letters and ligatures match), no variation selectors, whitespace collapsed. */
export function collapse(s: string): string {
  return s.normalize('NFKC').replace(VARIATION_SELECTORS, '').replace(WHITESPACE_RUN, ' ').trim();
}

/** The form compared by equals/keyword/compliance: collapsed, lower-cased, edges stripped. */
export function normalizeText(s: string): string {
  return stripEdges(collapse(s).toLowerCase());
}

/**
 * Words of a normalised text, each with its own surrounding punctuation stripped ("price," →
 * "price"); tokens that are only punctuation (a lone "-") are not words.
 */
export function wordsOf(normalized: string): string[] {
  if (normalized === '') return [];
  const words: string[] = [];
  for (const token of normalized.split(' ')) {
    const word = stripEdges(token);
    if (word !== '' && !ONLY_PUNCT.test(word)) words.push(word);
  }
  return words;
}

/**
 * The normalised form of a `starts_with` value. A trailing space is meaningful ("book " must be
 * followed by something, so it does not match "booking"), so it survives as one space.
 */
export function normalizePrefix(s: string): string {
  const trailingSpace = /\s$/.test(s);
  const core = collapse(s)
    .toLowerCase()
    .replace(/^[\p{P}\p{S}\p{Cf}\s]+/u, '');
  return trailingSpace && core !== '' ? `${core} ` : core;
}

/** What the matcher needs from a body, computed once per message. */
export interface NormalizedBody {
  /** NFKC, whitespace collapsed, case kept: the regex subject. */
  collapsed: string;
  /** `collapsed` without surrounding punctuation: the regex's second chance ("Order 1234."). */
  collapsedStripped: string;
  /** Lower-cased, edges stripped: equals, starts_with, compliance. */
  text: string;
  words: string[];
  /** " w1 w2 … " so whole-word/phrase containment is one `includes`. */
  spacedWords: string;
}

export function normalizeBody(body: string): NormalizedBody {
  const collapsed = collapse(typeof body === 'string' ? body : '');
  const text = stripEdges(collapsed.toLowerCase());
  const words = wordsOf(text);
  return {
    collapsed,
    collapsedStripped: stripEdges(collapsed),
    text,
    words,
    spacedWords: ` ${words.join(' ')} `,
  };
}
