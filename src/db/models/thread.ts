// A conversation with one contact on one of our numbers: state, variables, tags and opt-out status.
import { Schema, type Connection, type InferSchemaType, type Model, type Types } from 'mongoose';

export const threadSchema = new Schema(
  {
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
    /** Messages the contact sent us. */
    inboundCount: { type: Number, default: 0 },
    /** All messages on the thread, both directions. */
    messageCount: { type: Number, default: 0 },
  },
  { timestamps: true, minimize: false, collection: 'threads' },
);

// The webhook finds a thread by (contact, our number); one thread per pair.
threadSchema.index({ contact: 1, number: 1 }, { unique: true });
// GET /api/threads: newest first, optionally by tag or opt-out status.
threadSchema.index({ lastMessageAt: -1 });
threadSchema.index({ tags: 1 });

export type ThreadFields = InferSchemaType<typeof threadSchema>;
export type ThreadDoc = ThreadFields & { _id: Types.ObjectId; createdAt: Date; updatedAt: Date };
export type ThreadModel = Model<ThreadFields>;

export function threadModel(connection: Connection): ThreadModel {
  return (
    (connection.models.Thread as ThreadModel | undefined) ??
    connection.model('Thread', threadSchema)
  );
}
