// One fire of a schedule: which instance owns its fan-out, until when (the lease), and how it ended.
import { Schema, type Connection, type InferSchemaType, type Model, type Types } from 'mongoose';
import { modelOn } from './modelOn';

/**
 * running: an instance owns the fire and is sending (or died doing so: see leaseUntil); done: every
 * recipient has a send record; canceled / paused: the schedule was canceled / paused before or
 * during the fan-out (recipients not reached have no record and are not sent later); missed:
 * found abandoned more than MISSED_GRACE after its owner's lease ran out; failed: could not be sent
 * at all (unknown template) or failed repeatedly.
 */
export const RUN_STATUSES = ['running', 'done', 'canceled', 'paused', 'missed', 'failed'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const scheduleRunSchema = new Schema(
  {
    schedule: { type: Schema.Types.ObjectId, required: true },
    /** The fire time: a one-off's sendAt, or the cron slot node-cron fired for. */
    fireAt: { type: Date, required: true },
    status: { type: String, enum: RUN_STATUSES, default: 'running' },
    /** The instance that owns the fan-out; it renews leaseUntil while it works. */
    owner: { type: String, required: true },
    leaseUntil: { type: Date, required: true },
    startedAt: { type: Date, required: true },
    finishedAt: { type: Date, default: null },
    /** How often another instance took the fire over after its owner's lease ran out. */
    takeovers: { type: Number, default: 0 },
    /** Fan-outs that stopped on an unexpected error (database trouble); given up after a few. */
    failures: { type: Number, default: 0 },
    error: { type: String, default: null },
  },
  { timestamps: true, collection: 'schedule_runs' },
);

// The claim: whoever inserts (schedule, fireAt) first owns that fire, on any number of instances.
scheduleRunSchema.index({ schedule: 1, fireAt: 1 }, { unique: true });
// Recovery looks for running fires whose lease has run out.
scheduleRunSchema.index({ status: 1, leaseUntil: 1 });

export type ScheduleRunFields = InferSchemaType<typeof scheduleRunSchema>;
export type ScheduleRunDoc = ScheduleRunFields & {
  _id: Types.ObjectId;
  createdAt: Date;
  updatedAt: Date;
};
export type ScheduleRunModel = Model<ScheduleRunFields>;

export function scheduleRunModel(connection: Connection): ScheduleRunModel {
  return modelOn<ScheduleRunModel>(connection, 'ScheduleRun', scheduleRunSchema);
}
