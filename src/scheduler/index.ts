// Wiring of scheduling for one instance: the schedule service (API, always) and the scheduler (SCHEDULER=on).
import type { Connection } from 'mongoose';
import type { Clock } from '../clock';
import type { Config } from '../config';
import type { BotContent } from '../content/botContent';
import type { ConversationStore } from '../conversations/store';
import type { Models } from '../db/models';
import { scheduleRunModel } from '../db/models/scheduleRun';
import type { Logger } from '../logger';
import type { OutboundService } from '../outbound/messages';
import { Scheduler, type SchedulerOptions } from './scheduler';
import { ScheduleService } from './service';

export { Scheduler, DEFAULT_SCHEDULER_OPTIONS, type SchedulerOptions } from './scheduler';
export { ScheduleService } from './service';

export interface SchedulingDeps {
  config: Config;
  logger: Logger;
  clock: Clock;
  connection: Connection;
  models: Models;
  store: ConversationStore;
  outbound: OutboundService;
  content: BotContent;
  /** This instance, as written into its claims and leases. */
  instance: string;
  options?: Partial<SchedulerOptions>;
}

export interface Scheduling {
  schedules: ScheduleService;
  /** Null with SCHEDULER=off: the API still stores schedules; other instances send them. */
  scheduler: Scheduler | null;
}

/** Builds the service and (with SCHEDULER=on) the scheduler; the caller starts and stops the latter. */
export async function createScheduling(d: SchedulingDeps): Promise<Scheduling> {
  const Run = scheduleRunModel(d.connection);
  await Run.init();
  const hasTemplate = (name: string) => d.content.current()?.templates.has(name) ?? false;
  const schedules = new ScheduleService({
    models: d.models,
    Run,
    clock: d.clock,
    timezone: d.config.timezone,
    missedGraceMs: d.config.missedGraceMs,
    hasTemplate,
  });
  if (!d.config.scheduler) return { schedules, scheduler: null };
  const scheduler = new Scheduler(
    {
      models: d.models,
      Run,
      store: d.store,
      outbound: d.outbound,
      clock: d.clock,
      logger: d.logger.child({ component: 'scheduler' }),
      missedGraceMs: d.config.missedGraceMs,
      defaultFrom: d.config.twilio.from,
      hasTemplate,
      instanceId: d.instance,
    },
    d.options,
  );
  schedules.onChange((schedule) => scheduler.refresh(schedule));
  return { schedules, scheduler };
}
