// Document ids derived from what makes a document unique.
//
// Why: FerretDB v1 on SQLite (the embedded database) pushes only `{_id: value}` filters down to
// SQLite; any other filter scans the whole collection. The webhook's hot path therefore finds and
// updates threads and messages by an `_id` computed from their natural key — the same id on
// MongoDB, where the secondary indexes serve the admin queries.
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
