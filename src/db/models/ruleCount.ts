// Rule analytics, counted as messages arrive: hits per (day, rule) and unanswered texts per
// (day, text), each with its counts by the hour. GET /api/rules/stats and /unmatched read these instead of the messages, so their
// cost follows the number of buckets in the window, not the number of stored messages.
import { Schema, type Connection, type Model } from 'mongoose';
import { modelOn } from './modelOn';

export interface RuleCountFields {
  /** `<day>|rule|<rule id, empty for none>` or `<day>|text|<normalised text>`; `backfill` for the marker. */
  _id: string;
  /** `rule`: hits of one rule (or of none); `text`: one unanswered text; `marker`: see backfill. */
  kind: 'rule' | 'text' | 'marker';
  /**
   * `rule:2026-03-04` or `text:2026-03-04` (UTC day): what a window is read by, kind and day in one
   * indexed string because FerretDB pushes down equality on one indexed string field.
   */
  slot: string | null;
  /** The count by UTC hour of the day, `h00` to `h23`: a window starts at an hour. */
  hours: Record<string, number>;
  /** `rule`: the rule (null: no rule answered). `text`: the catch-all that answered the latest, or null. */
  rule: string | null;
  text: string | null;
  /** `text`: the latest message as the contact wrote it. */
  example: string | null;
  count: number;
  lastAt: Date;
}

export const ruleCountSchema = new Schema<RuleCountFields>(
  {
    _id: { type: String, required: true },
    kind: { type: String, required: true },
    slot: { type: String, default: null },
    hours: { type: Schema.Types.Mixed },
    rule: { type: String, default: null },
    text: { type: String, default: null },
    example: { type: String, default: null },
    count: { type: Number, required: true },
    lastAt: { type: Date, required: true },
  },
  { collection: 'rule_counts', versionKey: false },
);

// A window's buckets are read by slot ($in of the window's days).
ruleCountSchema.index({ slot: 1 });

export type RuleCountModel = Model<RuleCountFields>;

export function ruleCountModel(connection: Connection): RuleCountModel {
  return modelOn<RuleCountModel>(connection, 'RuleCount', ruleCountSchema);
}
