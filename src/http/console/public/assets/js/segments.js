// SMS segments and encoding while typing: the same GSM-7 rules as src/outbound/segments.ts (the
// server's count is the one that counts; test/browser/console.test.ts checks both agree).
// https://www.twilio.com/docs/glossary/what-sms-character-limit

const GSM_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM_EXTENSION = '\f^{}\\[~]|€';
const BASIC = new Set(GSM_BASIC);
const EXTENSION = new Set(GSM_EXTENSION);

const LIMITS = {
  'GSM-7': { single: 160, perSegment: 153 },
  'UCS-2': { single: 70, perSegment: 67 },
};

function gsmCost(char) {
  if (BASIC.has(char)) return 1;
  if (EXTENSION.has(char)) return 2;
  return null;
}

/** {encoding, segments, characters, units}; see src/outbound/segments.ts. */
export function countSegments(body) {
  const chars = Array.from(body);
  const gsmCosts = chars.map(gsmCost);
  const isGsm = gsmCosts.every((cost) => cost !== null);
  const encoding = isGsm ? 'GSM-7' : 'UCS-2';
  const costs = isGsm ? gsmCosts : chars.map((char) => char.length);
  const units = costs.reduce((sum, cost) => sum + cost, 0);
  const limits = LIMITS[encoding];
  if (units <= limits.single) return { encoding, segments: 1, characters: chars.length, units };
  let segments = 1;
  let used = 0;
  for (const cost of costs) {
    if (used + cost > limits.perSegment) {
      segments += 1;
      used = 0;
    }
    used += cost;
  }
  return { encoding, segments, characters: chars.length, units };
}

/** The characters that force UCS-2 (what to replace to get back to GSM-7). */
export function nonGsmCharacters(body) {
  return [...new Set(Array.from(body).filter((c) => gsmCost(c) === null))];
}

/** "42 characters · 1 segment · GSM-7", plus which characters force UCS-2. */
export function describeSegments(body) {
  const c = countSegments(body);
  const parts = [
    `${c.characters} character${c.characters === 1 ? '' : 's'}`,
    `${c.segments} segment${c.segments === 1 ? '' : 's'}`,
    c.encoding,
  ];
  let text = parts.join(' · ');
  if (c.encoding === 'UCS-2') {
    const odd = nonGsmCharacters(body).slice(0, 5).join(' ');
    text += ` (UCS-2 because of: ${odd})`;
  }
  return { ...c, text };
}
