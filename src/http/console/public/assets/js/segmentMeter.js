// The segment meter under a message box: the server's own count (src/outbound/segments.ts, served
// as ./segments.js by src/http/console/browserModules.ts), worded for the person typing.
import { countSegments, nonGsmCharacters } from './segments.js';

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
