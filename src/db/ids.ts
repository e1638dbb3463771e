// Document ids derived from what makes a document unique.
//
// Why: the webhook's hot path finds and updates threads and messages by an `_id` computed from their
// natural key, so each is one lookup in the index every database has, with no read to learn an id
// first. The secondary indexes serve the admin queries.
import { createHash } from 'node:crypto';

/** 24 hex characters of sha256 over the parts (looks like an ObjectId, is a plain string). */
export function derivedId(kind: string, ...parts: string[]): string {
  return createHash('sha256')
    .update([kind, ...parts].join('\u0000'))
    .digest('hex')
    .slice(0, 24);
}

export const threadIdFor = (contact: string, number: string): string =>
  derivedId('thread', contact, number);
export const messageIdFor = (key: string): string => derivedId('message', key);
