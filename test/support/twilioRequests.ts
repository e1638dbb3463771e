// Twilio-shaped webhook requests, signed with the twilio SDK's own helper exactly as Twilio signs them.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import twilio from 'twilio';

export const PUBLIC_URL = 'https://sms.example.com';
export const OUR_NUMBER = '+14155550100';
export const TEXTER = '+14155550123';

/** A fixture form from test/fixtures/twilio as a plain object. */
export function fixtureForm(name: string): Record<string, string> {
  const text = readFileSync(path.join(__dirname, '..', 'fixtures', 'twilio', name), 'utf8').trim();
  return Object.fromEntries(new URLSearchParams(text));
}

let sidCounter = 0;
/** A fresh, real-shaped MessageSid ("SM" + 32 hex). */
export function newMessageSid(): string {
  sidCounter++;
  return (
    'SM' +
    (Date.now().toString(16) + sidCounter.toString(16).padStart(8, '0'))
      .padStart(32, '0')
      .slice(-32)
  );
}

/** An inbound SMS form like Twilio's, with the fields that matter overridable. */
export function inboundForm(
  fields: { Body: string; From?: string; To?: string; MessageSid?: string } & Record<
    string,
    string
  >,
): Record<string, string> {
  const base = fixtureForm('inbound-sms.form');
  const sid = fields.MessageSid ?? newMessageSid();
  return {
    ...base,
    SmsMessageSid: sid,
    SmsSid: sid,
    MessageSid: sid,
    From: TEXTER,
    To: OUR_NUMBER,
    ...fields,
  };
}

export function sign(authToken: string, url: string, params: Record<string, string>): string {
  return twilio.getExpectedTwilioSignature(authToken, url, params);
}

/** POSTs a form to `path` with a valid signature for PUBLIC_URL + path. */
export function postSigned(
  baseUrl: string,
  route: string,
  params: Record<string, string>,
  authToken: string,
  publicUrl = PUBLIC_URL,
) {
  return request(baseUrl)
    .post(route)
    .type('form')
    .set('X-Twilio-Signature', sign(authToken, publicUrl + route, params))
    .send(new URLSearchParams(params).toString());
}

/** The text of each <Message> (its body, without <Media>), XML entities decoded. */
export function messagesIn(twiml: string): string[] {
  const decode = (s: string) =>
    s
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&apos;/g, "'")
      .replace(/&amp;/g, '&');
  return [...twiml.matchAll(/<Message>([\s\S]*?)<\/Message>/g)].map((m) => {
    const inner = m[1];
    const body = /<Body>([\s\S]*?)<\/Body>/.exec(inner);
    return decode(body ? body[1] : inner.replace(/<Media>[\s\S]*?<\/Media>/g, ''));
  });
}
