// Contacts who opted out (STOP, or Twilio error 21610), by phone number: one look-up by _id.
import { Schema, type Connection, type Model } from 'mongoose';
import { modelOn } from './modelOn';

export interface OptOutFields {
  /** The contact's E.164 number. */
  _id: string;
  /** Our number (or Messaging Service) the STOP reached, when known. */
  number: string | null;
  /** `keyword` (the contact texted STOP) or `twilio_21610` (Twilio refused a send or reported it). */
  source: string;
  at: Date;
}

export const optOutSchema = new Schema<OptOutFields>(
  {
    _id: { type: String, required: true },
    number: { type: String, default: null },
    source: { type: String, required: true },
    at: { type: Date, required: true },
  },
  { collection: 'optouts', versionKey: false },
);

export type OptOutModel = Model<OptOutFields>;

export function optOutModel(connection: Connection): OptOutModel {
  return modelOn<OptOutModel>(connection, 'OptOut', optOutSchema);
}
