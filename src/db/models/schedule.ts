// A message to send later: once at `sendAt`, or on every `cron` fire, to numbers or a tag.
import { Schema, type Connection, type InferSchemaType, type Model, type Types } from 'mongoose';
import { modelOn } from './modelOn';

/**
 * active: waiting for its time (one-off) or firing (recurring); paused: disabled (`enabled: false`);
 * running: a one-off claimed by an instance and being sent; done: a one-off sent; missed: a one-off
 * found more than MISSED_GRACE late; failed: a one-off that could not be sent at all (its template
 * is gone, or its fan-out kept failing); canceled: DELETEd.
 */
export const SCHEDULE_STATUSES = [
  'active',
  'paused',
  'running',
  'done',
  'missed',
  'failed',
  'canceled',
] as const;
export type ScheduleStatus = (typeof SCHEDULE_STATUSES)[number];

export const scheduleSchema = new Schema(
  {
    name: { type: String, default: null },
    /** Recipients: E.164 numbers, or every thread with `tag` (resolved at each fire). */
    to: { type: [String], default: [] },
    tag: { type: String, default: null },
    from: { type: String, default: null },
    body: { type: String, default: null },
    template: { type: String, default: null },
    vars: { type: Schema.Types.Mixed, default: () => ({}) },
    sendAt: { type: Date, default: null },
    cron: { type: String, default: null },
    timezone: { type: String, required: true },
    enabled: { type: Boolean, default: true },
    status: { type: String, enum: SCHEDULE_STATUSES, default: 'active' },
    /**
     * One-off: its sendAt while due, what the scheduler polls on. Recurring: the next fire after
     * the last one sent (or after the change that set its cron), null while paused.
     */
    nextRunAt: { type: Date, default: null },
    /** One-off: when its fire ended. Recurring: the slot of the last fire that was sent. */
    lastRunAt: { type: Date, default: null },
    /** One-off claim: which instance took it and when, so a crashed claim can be seen. */
    claimedBy: { type: String, default: null },
    claimedAt: { type: Date, default: null },
    /** Where it came from: the API, or a rule's `schedule:` action. */
    source: { type: String, enum: ['api', 'rule'], default: 'api' },
    rule: { type: String, default: null },
    /**
     * A rule's follow-up with `state:`: once sent to a contact, their thread moves from the state
     * the rule left (`from`) to `to`. A thread in another state by then is left alone.
     */
    moveState: {
      type: new Schema({ from: String, to: String }, { _id: false }),
      default: null,
    },
    /**
     * Incremented on every change. A PATCH applies only to the revision it read, so it cannot
     * overwrite a concurrent change or a claim. (Instances rebuild their cron tasks by comparing
     * cron and timezone on every poll, see scheduler/cronTasks.)
     */
    revision: { type: Number, default: 0 },
  },
  { timestamps: true, minimize: false, collection: 'schedules' },
);

// Due one-offs are claimed by (status, nextRunAt); the cron sync lists active schedules by status.
scheduleSchema.index({ status: 1, nextRunAt: 1 });
// GET /api/schedules: newest first.
scheduleSchema.index({ createdAt: -1 });

export type ScheduleFields = InferSchemaType<typeof scheduleSchema>;
export type ScheduleDoc = ScheduleFields & {
  _id: Types.ObjectId;
  createdAt: Date;
  updatedAt: Date;
};
export type ScheduleModel = Model<ScheduleFields>;

export function scheduleModel(connection: Connection): ScheduleModel {
  return modelOn<ScheduleModel>(connection, 'Schedule', scheduleSchema);
}
