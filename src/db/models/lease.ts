// Named leases: one instance at a time does a job (the send recovery pass), taken over when it stops renewing.
import { Schema, type Connection, type Model } from 'mongoose';
import { modelOn } from './modelOn';

export interface LeaseFields {
  /** The job, e.g. `send-recovery`. */
  _id: string;
  owner: string;
  until: Date;
}

export const leaseSchema = new Schema<LeaseFields>(
  {
    _id: { type: String, required: true },
    owner: { type: String, required: true },
    until: { type: Date, required: true },
  },
  { collection: 'leases', versionKey: false },
);

export type LeaseModel = Model<LeaseFields>;

export function leaseModel(connection: Connection): LeaseModel {
  return modelOn<LeaseModel>(connection, 'Lease', leaseSchema);
}
