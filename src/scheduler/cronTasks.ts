// The node-cron tasks of this instance: one per active recurring schedule, rebuilt when it changes.
//
// Every instance runs a task for every recurring schedule; MongoRunCoordinator makes sure one of
// them sends each fire. Instances learn about schedules created, changed or canceled elsewhere by
// polling (sync), so a change reaches all of them within one poll interval.
import cron, { type RunCoordinator } from 'node-cron';
import type { Types } from 'mongoose';
import type { ScheduleModel } from '../db/models/schedule';
import type { ScheduleRunDoc } from '../db/models/scheduleRun';
import { MongoRunCoordinator } from './coordinator';
import type { Log } from '../logger';
import type { RunLedger } from './runs';

export interface RecurringSchedule {
  _id: Types.ObjectId;
  cron: string;
  timezone: string;
}

/** One recurring schedule's slots, as a driver arms them. */
export interface CronSlots {
  schedule: RecurringSchedule;
  /** The task's name; a slot's claim key is `<name>:<slot ISO time>`, as node-cron builds it. */
  name: string;
  /** Asked before each slot, by every instance; only the one whose claim wins gets `true`. */
  coordinator: RunCoordinator;
  /** How long a claim holds (node-cron's distributedLease). */
  leaseMs: number;
  /** Carries out a slot whose claim this instance won. */
  run(slot: Date): void;
}

/**
 * What fires a recurring schedule's slots: node-cron in production. A test passes its own
 * (test/support/cronClock.ts) to fire the slots from an injected clock instead of real seconds;
 * either way each slot is claimed through the same coordinator and run by the same `run`.
 */
export interface CronDriver {
  /** Starts firing `slots`; the function returned stops it. */
  arm(slots: CronSlots): () => void;
}

interface Entry {
  cron: string;
  timezone: string;
  disarm: () => void;
}

export interface CronTasksDeps {
  Schedule: ScheduleModel;
  ledger: RunLedger;
  logger: Log;
  /** Carries out a fire this instance won. */
  onFire(run: ScheduleRunDoc): void;
  /** Fires the slots; node-cron unless a test injects its own. */
  driver?: CronDriver;
}

export class CronTasks {
  private readonly entries = new Map<string, Entry>();
  private readonly driver: CronDriver;

  constructor(private readonly d: CronTasksDeps) {
    this.driver = d.driver ?? nodeCronDriver(d.logger);
  }

  get size(): number {
    return this.entries.size;
  }

  /** Makes the running tasks match `schedules`: new ones start, changed ones restart, others stop. */
  sync(schedules: RecurringSchedule[]): void {
    const wanted = new Map(schedules.map((s) => [String(s._id), s]));
    for (const [id, entry] of this.entries) {
      const s = wanted.get(id);
      if (!s || s.cron !== entry.cron || s.timezone !== entry.timezone) this.remove(id);
    }
    for (const [id, s] of wanted) {
      if (this.entries.has(id)) continue;
      try {
        this.entries.set(id, { cron: s.cron, timezone: s.timezone, disarm: this.arm(s) });
        this.d.logger.debug('cron task started', {
          schedule: id,
          cron: s.cron,
          timezone: s.timezone,
        });
      } catch (err) {
        // Validated at the API; a schedule written by other means may still be broken.
        this.d.logger.error('cron task not started', {
          schedule: id,
          error: (err as Error).message,
        });
      }
    }
  }

  stopAll(): void {
    for (const id of [...this.entries.keys()]) this.remove(id);
  }

  private remove(id: string): void {
    const entry = this.entries.get(id);
    if (!entry) return;
    this.entries.delete(id);
    entry.disarm();
    this.d.logger.debug('cron task stopped', { schedule: id });
  }

  private arm(s: RecurringSchedule): () => void {
    const { Schedule, ledger } = this.d;
    const coordinator = new MongoRunCoordinator(ledger, s._id, async () => {
      const current = await Schedule.findById(s._id, { status: 1, cron: 1, timezone: 1 }).lean<{
        status: string;
        cron: string | null;
        timezone: string;
      }>();
      return (
        current?.status === 'active' && current.cron === s.cron && current.timezone === s.timezone
      );
    });
    return this.driver.arm({
      schedule: s,
      name: `schedule:${String(s._id)}`,
      coordinator,
      leaseMs: ledger.leaseMs,
      run: (slot) => {
        const run = coordinator.take(slot);
        if (run) this.d.onFire(run);
      },
    });
  }
}

/** node-cron tasks: each slot claimed through node-cron's run coordination, then run. */
export function nodeCronDriver(logger: Log): CronDriver {
  return {
    arm({ schedule: s, name, coordinator, leaseMs, run }) {
      const task = cron.createTask(s.cron, (ctx) => run(ctx.date), {
        name,
        timezone: s.timezone,
        distributed: true,
        runCoordinator: coordinator,
        distributedLease: leaseMs,
        // A slot passed while the process was blocked is skipped, not caught up: recurring
        // schedules skip missed fires (SPEC §7).
        suppressMissedWarning: true,
        logger: {
          info: (m) => logger.debug(m),
          warn: (m) => logger.warn(m),
          error: (m, err) => logger.error(String(m), { error: err?.message }),
          debug: (m) => logger.debug(String(m)),
        },
      });
      task.on('execution:missed', (ctx) =>
        logger.warn('cron slot missed', { schedule: String(s._id), at: ctx.date.toISOString() }),
      );
      task.on('execution:skipped', (ctx) => {
        if (ctx.reason === 'coordinator-error')
          logger.warn('cron slot not claimed: database error', {
            schedule: String(s._id),
            at: ctx.date.toISOString(),
          });
      });
      void task.start();
      return () => void task.destroy();
    },
  };
}
