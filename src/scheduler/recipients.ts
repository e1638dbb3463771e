// Who a fire goes to: the schedule's own numbers, or every thread carrying its tag, read in batches.
//
// A tag may cover many thousands of contacts, so threads are streamed from a cursor and handed out
// a batch at a time; the fan-out never holds more than one batch (plus its sends in flight).
import type { Models } from '../db/models';
import type { ScheduleDoc } from '../db/models/schedule';
import { PHONE_OR_SERVICE_PATTERN } from '../twilioLimits';

export interface Recipient {
  phone: string;
  /** Our number the contact wrote to (tag recipients), a sensible sender when the schedule has none. */
  number: string | null;
}

export async function* recipientBatches(
  models: Models,
  schedule: Pick<ScheduleDoc, 'to' | 'tag'>,
  batchSize: number,
): AsyncGenerator<Recipient[]> {
  if (schedule.tag) {
    // Opted-out threads are included on purpose: each gets a `skipped` record, so an operator sees
    // who the fire left out. Sorted by _id so a resumed fire walks the same order.
    const cursor = models.Thread.find({ tags: String(schedule.tag) }, { contact: 1, number: 1 })
      .sort({ _id: 1 })
      .lean<{ contact: string; number: string }[]>()
      .cursor({ batchSize });
    let batch: Recipient[] = [];
    try {
      for await (const thread of cursor) {
        batch.push({
          phone: thread.contact,
          number: isSender(thread.number) ? thread.number : null,
        });
        if (batch.length >= batchSize) {
          yield batch;
          batch = [];
        }
      }
      if (batch.length > 0) yield batch;
    } finally {
      await cursor.close();
    }
    return;
  }
  const numbers = [...new Set(schedule.to ?? [])];
  for (let i = 0; i < numbers.length; i += batchSize) {
    yield numbers.slice(i, i + batchSize).map((phone) => ({ phone, number: null }));
  }
}

/** A thread's `number` is a sender only when it is one (not the `"default"` of an unset TWILIO_FROM). */
function isSender(value: string | null | undefined): value is string {
  return typeof value === 'string' && PHONE_OR_SERVICE_PATTERN.test(value);
}
