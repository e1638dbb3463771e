// The node-cron tasks of this instance: one per active recurring schedule, rebuilt when it changes.
//
// Every instance runs a task for every recurring schedule; MongoRunCoordinator makes sure one of
// them sends each fire. Instances learn about schedules created, changed or canceled elsewhere by
// polling (sync), so a change reaches all of them within one poll interval.
import cron, { type ScheduledTask } from 'node-cron';
import type { Types } from 'mongoose';
import type { ScheduleModel } from '../db/models/schedule';
import type { ScheduleRunDoc } from '../db/models/scheduleRun';
import { MongoRunCoordinator } from './coordinator';
import type { SchedulerLogger } from './fire';
import type { RunLedger } from './runs';

export interface RecurringSchedule {
  _id: Types.ObjectId;
  cron: string;
  timezone: string;
}

interface Entry {
  cron: string;
  timezone: string;
  task: ScheduledTask;
}

export interface CronTasksDeps {
  Schedule: ScheduleModel;
  ledger: RunLedger;
  logger: SchedulerLogger;
  /** Carries out a fire this instance won. */
  onFire(run: ScheduleRunDoc): void;
}

export class CronTasks {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly d: CronTasksDeps) {}

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
        this.entries.set(id, { cron: s.cron, timezone: s.timezone, task: this.create(s) });
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
    void entry.task.destroy();
    this.d.logger.debug('cron task stopped', { schedule: id });
  }

  private create(s: RecurringSchedule): ScheduledTask {
    const { Schedule, ledger, logger } = this.d;
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
    const task = cron.createTask(
      s.cron,
      (ctx) => {
        const run = coordinator.take(ctx.date);
        if (run) this.d.onFire(run);
      },
      {
        name: `schedule:${String(s._id)}`,
        timezone: s.timezone,
        distributed: true,
        runCoordinator: coordinator,
        distributedLease: ledger.leaseMs,
        // A slot passed while the process was blocked is skipped, not caught up: recurring
        // schedules skip missed fires (SPEC §7).
        suppressMissedWarning: true,
        logger: {
          info: (m) => logger.debug(m),
          warn: (m) => logger.warn(m),
          error: (m, err) => logger.error(String(m), { error: err?.message }),
          debug: (m) => logger.debug(String(m)),
        },
      },
    );
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
    return task;
  }
}
