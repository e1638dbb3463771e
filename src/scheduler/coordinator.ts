// node-cron's run coordinator (≥ 4.6), backed by MongoDB: on every instance each task asks
// shouldRun(key, ttl) before a fire, and only the instance whose claim insert wins gets `true`.
//
// node-cron builds the key as `<task name>:<slot ISO time>` (Runner.runCoordinated in
// node_modules/node-cron/dist/_shared.cjs); the coordinator is per task, so it already knows the
// schedule and only reads the fire time from the key.
import type { RunCoordinator } from 'node-cron';
import type { Types } from 'mongoose';
import { retryTransient } from '../db/transient';
import type { ScheduleRunDoc } from '../db/models/scheduleRun';
import type { RunLedger } from './runs';

const SLOT_AT_END = /(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)$/;

export function fireTimeOfKey(key: string): Date | null {
  const m = SLOT_AT_END.exec(key);
  if (!m) return null;
  const at = new Date(m[1]);
  return Number.isNaN(at.getTime()) ? null : at;
}

export class MongoRunCoordinator implements RunCoordinator {
  /** Runs this instance won, waiting for node-cron to call the task with the same slot. */
  private readonly won = new Map<number, ScheduleRunDoc>();

  constructor(
    private readonly ledger: RunLedger,
    private readonly schedule: Types.ObjectId,
    /**
     * Whether the schedule in the database still fires on this task's expression: an instance
     * that has not yet noticed a change or a cancel must not claim a slot of the old one.
     */
    private readonly stillCurrent: () => Promise<boolean>,
    private readonly sleep?: (ms: number) => Promise<void>,
  ) {}

  /**
   * node-cron skips a slot whose claim throws, so a database that is busy or away for a moment is
   * waited out here (about 6 s in all). A claim whose insert got through although its answer was
   * lost is not lost either: the run's lease runs out and recovery resumes it.
   */
  async shouldRun(key: string, ttlMs: number): Promise<boolean> {
    const fireAt = fireTimeOfKey(key);
    if (!fireAt) return false;
    const run = await retryTransient(
      async () =>
        (await this.stillCurrent()) ? this.ledger.claim(this.schedule, fireAt, ttlMs) : null,
      { attempts: 6, firstWaitMs: 200, sleep: this.sleep },
    );
    if (!run) return false;
    this.won.set(fireAt.getTime(), run);
    return true;
  }

  /** The run won for this slot (once), or null. */
  take(fireAt: Date): ScheduleRunDoc | null {
    const run = this.won.get(fireAt.getTime()) ?? null;
    this.won.delete(fireAt.getTime());
    return run;
  }
}
