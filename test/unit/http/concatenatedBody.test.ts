// A long SMS Twilio delivers with its Body in base64 is decoded; anything a person could have
// typed is kept exactly as sent.
import { decodePossibleBase64Body } from '../../../src/http/twilioForms';

const text =
  'Hi, this is Maria from 4B. The heating has been off since Sunday night; could someone come?';
const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

describe('decodePossibleBase64Body', () => {
  it.each([
    ['a long text in base64', b64(text), text],
    [
      'the same with a line break every 76 characters',
      b64(text).replace(/(.{76})/g, '$1\r\n'),
      text,
    ],
    ['UTF-8 text (accents, emoji) in base64', b64(`Ça va? 👍 ${text}`), `Ça va? 👍 ${text}`],
    ['a short text', 'Hours?', 'Hours?'],
    ['a short word that is valid base64', 'dGVzdA==', 'dGVzdA=='],
    [
      '60+ letters that decode to bytes, not text',
      'Zz9'.repeat(20) + 'Zz9Z',
      'Zz9'.repeat(20) + 'Zz9Z',
    ],
    ['a long sentence', text, text],
    [
      'base64 of binary (control bytes)',
      Buffer.alloc(60, 1).toString('base64'),
      Buffer.alloc(60, 1).toString('base64'),
    ],
    [
      'base64 without its padding',
      b64(text + 'x').replace(/=+$/, ''),
      b64(text + 'x').replace(/=+$/, ''),
    ],
  ])('%s', (_what, body, expected) => {
    expect(decodePossibleBase64Body(body)).toBe(expected);
  });
});
