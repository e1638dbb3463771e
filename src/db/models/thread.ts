// A conversation with one contact on one of our numbers: state, variables, tags and opt-out status.
import { Schema, type Connection, type InferSchemaType, type Model } from 'mongoose';
import { modelOn } from './modelOn';
import { threadIdFor } from '../ids';

export const threadSchema = new Schema(
  {
    /** threadIdFor(contact, number): found by _id on the hot path (see db/ids.ts). */
    _id: { type: String, required: true },
    /** The contact's number, E.164. */
    contact: { type: String, required: true },
    /** Our Twilio number (or Messaging Service SID) the contact wrote to. */
    number: { type: String, required: true },
    state: { type: String, default: null },
    vars: { type: Schema.Types.Mixed, default: () => ({}) },
    tags: { type: [String], default: [] },
    optedOut: { type: Boolean, default: false },
    optedOutAt: { type: Date, default: null },
    firstMessageAt: { type: Date, default: null },
    lastMessageAt: { type: Date, default: null },
    /**
     * Key of the newest inbound message the thread took in: a repeat that finishes a message
     * (conversations/inbound.ts) does not count it again if its first attempt got there first.
     */
    lastInbound: { type: String, default: null },
    /** Messages the contact sent us. */
    inboundCount: { type: Number, default: 0 },
    /** All messages on the thread, both directions. */
    messageCount: { type: Number, default: 0 },
  },
  { timestamps: true, minimize: false, collection: 'threads' },
);

threadSchema.pre('validate', function (next) {
  if (!this._id) this._id = threadIdFor(this.contact, this.number);
  next();
});

// One thread per (contact, our number); also what MongoDB uses for the admin queries by contact.
threadSchema.index({ contact: 1, number: 1 }, { unique: true });
// GET /api/threads sorts by {lastMessageAt: -1, _id: -1} (conversations/threads.ts), unfiltered or
// filtered by tag or by opt-out status: one index per filter whose order is the sort, so a page
// is read in order instead of sorted in memory. The tag index also serves tag schedules' recipients.
threadSchema.index({ lastMessageAt: -1, _id: -1 });
threadSchema.index({ tags: 1, lastMessageAt: -1, _id: -1 });
threadSchema.index({ optedOut: 1, lastMessageAt: -1, _id: -1 });

export type ThreadFields = InferSchemaType<typeof threadSchema>;
export type ThreadDoc = ThreadFields & { _id: string; createdAt: Date; updatedAt: Date };
export type ThreadModel = Model<ThreadFields>;

export function threadModel(connection: Connection): ThreadModel {
  return modelOn<ThreadModel>(connection, 'Thread', threadSchema);
}
