// A message to send later: once at `sendAt`, or on every `cron` fire, to numbers or a tag.
import { Schema, type Connection, type InferSchemaType, type Model, type Types } from 'mongoose';

export const SCHEDULE_STATUSES = [
  'active',
  'paused',
  'running',
  'done',
  'missed',
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
    /** The next fire time (one-off: sendAt); what the scheduler polls on. */
    nextRunAt: { type: Date, default: null },
    lastRunAt: { type: Date, default: null },
    /** One-off claim: which instance took it and when, so a crashed claim can be seen. */
    claimedBy: { type: String, default: null },
    claimedAt: { type: Date, default: null },
    /** Where it came from: the API, or a rule's `schedule:` action. */
    source: { type: String, enum: ['api', 'rule'], default: 'api' },
    rule: { type: String, default: null },
    /** Incremented on every change so other instances notice and reload their cron tasks. */
    revision: { type: Number, default: 0 },
  },
  { timestamps: true, minimize: false, collection: 'schedules' },
);

// Due one-offs are claimed by (status, nextRunAt); the cron sync lists active schedules by status.
scheduleSchema.index({ status: 1, nextRunAt: 1 });
// Instances notice schedules changed elsewhere by updatedAt.
scheduleSchema.index({ updatedAt: 1 });

export type ScheduleFields = InferSchemaType<typeof scheduleSchema>;
export type ScheduleDoc = ScheduleFields & {
  _id: Types.ObjectId;
  createdAt: Date;
  updatedAt: Date;
};
export type ScheduleModel = Model<ScheduleFields>;

export function scheduleModel(connection: Connection): ScheduleModel {
  return (
    (connection.models.Schedule as ScheduleModel | undefined) ??
    connection.model('Schedule', scheduleSchema)
  );
}
