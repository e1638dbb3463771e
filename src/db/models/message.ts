// One SMS/MMS on a thread, in either direction, with its delivery status.
import { Schema, type Connection, type InferSchemaType, type Model } from 'mongoose';
import { modelOn } from './modelOn';
import { messageIdFor } from '../ids';

export const MESSAGE_STATUSES = [
  'received', // inbound
  'twiml', // a reply given in the webhook's TwiML; Twilio sends it
  'pending', // stored, the Twilio call not yet made
  'sending', // an attempt owns it: stored before the Twilio call, renewed while the call runs
  'dry-run',
  'accepted',
  'scheduled',
  'queued',
  'sent',
  'delivered',
  'undelivered',
  'failed',
  'read',
  'canceled',
  'skipped', // scheduler: the recipient had opted out
  'unknown', // its attempt died and Twilio could not be asked whether it got there; asked again later
] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

const mediaSchema = new Schema(
  { url: { type: String, required: true }, contentType: { type: String, default: null } },
  { _id: false },
);

export const messageSchema = new Schema(
  {
    /** messageIdFor(key): found by _id on the hot path (see db/ids.ts). */
    _id: { type: String, required: true },
    /**
     * What makes this message unique, enforced by a unique index: `in:<MessageSid>` for inbound
     * (Twilio retries), `reply:<MessageSid>:<n>` for replies, `api:<user>:<Idempotency-Key>` or
     * `api:<uuid>` for the send API, `sched:<schedule>:<fire>:<recipient>` for scheduled sends.
     * One index serves every exactly-once rule without transactions.
     */
    key: { type: String, required: true },
    thread: { type: String, default: null },
    direction: { type: String, enum: ['inbound', 'outbound'], required: true },
    contact: { type: String, required: true },
    number: { type: String, default: null },
    body: { type: String, default: '' },
    media: { type: [mediaSchema], default: [] },
    sid: { type: String, default: null },
    status: { type: String, enum: MESSAGE_STATUSES, required: true },
    errorCode: { type: Number, default: null },
    errorMessage: { type: String, default: null },
    /**
     * A failed send that never reached Twilio, or that Twilio failed (5xx, rate limit, network,
     * credentials): the same record may be sent again. False for a rejected message (4xx).
     */
    retryable: { type: Boolean, default: null },
    rule: { type: String, default: null },
    schedule: { type: Schema.Types.ObjectId, default: null },
    fireAt: { type: Date, default: null },
    segments: { type: Number, default: null },
    encoding: { type: String, default: null },
    /** Inbound only: the TwiML we answered with, given again when Twilio retries. */
    replyTwiml: { type: String, default: null },
    /**
     * Inbound only: the thread's inboundCount once it has taken this message in. A repeat of the
     * message finds the thread below it when the first attempt stored the message but not the
     * thread's update (the database went away between the two writes), and finishes it.
     */
    seq: { type: Number, default: null },
    /** Outbound via the API: the JSON answered, given again for a repeated Idempotency-Key. */
    requestHash: { type: String, default: null },
    /**
     * Outbound: the attempt that owns a `sending` message (outbound/attempts.ts). The owner renews
     * `attemptUntil` while its Twilio call runs; past it, the attempt counts as dead and the
     * message is reconciled with Twilio's message list, searched from `attemptAt` on.
     */
    attemptOwner: { type: String, default: null },
    attemptUntil: { type: Date, default: null },
    attemptAt: { type: Date, default: null },
  },
  { timestamps: true, collection: 'messages' },
);

messageSchema.pre('validate', function (next) {
  if (!this._id) this._id = messageIdFor(this.key);
  next();
});

messageSchema.index({ key: 1 }, { unique: true });
// Status callbacks find a message by its Twilio SID.
messageSchema.index({ sid: 1 });
// A thread's messages, newest first: the sort of conversations/threads.ts, {createdAt: -1, _id: -1}.
messageSchema.index({ thread: 1, createdAt: -1, _id: -1 });
// A schedule's recent runs.
messageSchema.index({ schedule: 1, createdAt: -1 });
// Sends whose attempt died: the recovery pass looks them up by status.
messageSchema.index({ status: 1, attemptUntil: 1 });

export type MessageFields = InferSchemaType<typeof messageSchema>;
export type MessageDoc = MessageFields & { _id: string; createdAt: Date; updatedAt: Date };
export type MessageModel = Model<MessageFields>;

export function messageModel(connection: Connection): MessageModel {
  return modelOn<MessageModel>(connection, 'Message', messageSchema);
}
