// Carrying out one claimed fire: renew the lease while fanning out, then record how it ended.
import type { Clock } from '../clock';
import type { ScheduleDoc, ScheduleModel } from '../db/models/schedule';
import type { RunStatus, ScheduleRunDoc } from '../db/models/scheduleRun';
import type { Log } from '../logger';
import { upcomingRuns } from './cronSpec';
import { fanOut, type FanOutDeps } from './fanout';
import type { RunLedger } from './runs';

/** @deprecated cronTasks.ts, scheduler.ts and recovery.ts still import this name; it is Log. */
export type SchedulerLogger = Log;

export interface FireRunnerDeps extends FanOutDeps {
  Schedule: ScheduleModel;
  ledger: RunLedger;
  clock: Clock;
  logger: Log;
  hasTemplate(name: string): boolean;
  /** How often the owner renews its lease (well inside the lease). */
  heartbeatMs: number;
  /** How often a fan-out looks whether its schedule was canceled or paused on another instance. */
  cancelCheckMs: number;
  /** Attempts that end in an unexpected error before a fire is given up as `failed`. */
  maxFailures: number;
  /** True while this instance shuts down: fan-outs stop and hand their fire back. */
  stopping(): boolean;
  /** MISSED_GRACE: sends that failed on Twilio's side are tried again until the fire is this late. */
  missedGraceMs: number;
  /** First wait before trying them again; it doubles up to OUTAGE_RETRY_MAX_MS. */
  outageRetryMs: number;
}

const OUTAGE_RETRY_MAX_MS = 60_000;

/**
 * done / canceled / paused / failed: the run is finished. released: handed back unfinished (shutdown or an
 * error), for any instance to resume. lost: another instance took it over.
 */
export type FireResult = 'done' | 'canceled' | 'paused' | 'failed' | 'released' | 'lost';

/** A finished one-off's schedule status follows its run. */
type OneOffEnd = Exclude<RunStatus, 'running'>;

export class FireRunner {
  /** Per schedule, the cancel checks of its fan-outs under way: poked when the schedule changes here. */
  private readonly watchers = new Map<string, Set<() => void>>();

  constructor(private readonly d: FireRunnerDeps) {}

  /** The schedule changed on this instance: its fan-outs look for a cancel now. */
  poke(schedule: string): void {
    for (const check of this.watchers.get(schedule) ?? []) check();
  }

  /** Runs a fire this instance owns. `resumed`: taken over from an instance whose lease ran out. */
  async run(run: ScheduleRunDoc, resumed: boolean): Promise<FireResult> {
    const { ledger, logger } = this.d;
    const meta = { schedule: String(run.schedule), fireAt: run.fireAt.toISOString() };
    if (resumed) {
      const inFlight = await this.resolveInFlight(run);
      logger.warn('resuming a fire whose instance stopped', {
        ...meta,
        previousOwnerSends: inFlight,
      });
    }
    const schedule = await this.d.Schedule.findById(run.schedule).lean<ScheduleDoc>();
    if (!schedule || schedule.status === 'canceled') {
      await ledger.finish(run, 'canceled');
      return 'canceled';
    }
    // Paused after the slot was claimed (or while a resumed fire waited): a paused schedule sends nothing.
    if (schedule.status === 'paused') {
      await ledger.finish(run, 'paused');
      logger.info('scheduled fire not sent: schedule paused', meta);
      return 'paused';
    }
    if (schedule.template && !this.d.hasTemplate(schedule.template)) {
      const error = `no template named "${schedule.template}"`;
      await ledger.finish(run, 'failed', error);
      await this.settleOneOff(schedule, 'failed');
      logger.error('scheduled fire failed', { ...meta, error });
      return 'failed';
    }

    let lost = false;
    // `canceled` stops the fan-out when an admin canceled or paused the schedule; `haltedAs` says which.
    let canceled = false;
    let haltedAs: 'canceled' | 'paused' = 'canceled';
    const checkCanceled = async () => {
      const current = await this.d.Schedule.findById(run.schedule, { status: 1 }).lean<{
        status: string;
      }>();
      if (!current || current.status === 'canceled') {
        canceled = true;
        haltedAs = 'canceled';
      } else if (current.status === 'paused' && !canceled) {
        canceled = true;
        haltedAs = 'paused';
      }
    };
    const id = String(run.schedule);
    const watch = () => void checkCanceled().catch(() => undefined);
    const watchers = this.watchers.get(id) ?? new Set();
    this.watchers.set(id, watchers.add(watch));
    const cancelCheck = setInterval(watch, this.d.cancelCheckMs);
    // Renews the run's lease only (a one-off's old claim defers to this lease in recovery).
    const heartbeat = setInterval(() => {
      ledger
        .renew(run)
        .then((owned) => {
          if (!owned) lost = true;
        })
        .catch((err: Error) =>
          logger.warn('lease renewal failed', { ...meta, error: err.message }),
        );
    }, this.d.heartbeatMs);

    try {
      const control = {
        stopped: () => lost || canceled || this.d.stopping(),
        checkpoint: checkCanceled,
      };
      // Sends that Twilio failed (an outage) are tried again on their own records, so a scheduled
      // message is late rather than lost, until the fire is MISSED_GRACE late (a recurring fire:
      // until its next fire). Past that, even a resumed fire leaves them failed.
      const deadline = this.retryDeadline(schedule, run.fireAt);
      const inTime = (wait = 0) => this.d.clock.now().getTime() + wait <= deadline;
      let { end, counts } = await fanOut(this.d, schedule, run.fireAt, control, {
        retryDeferred: inTime(),
      });
      for (let wait = this.d.outageRetryMs; end === 'completed' && counts.deferred > 0;) {
        if (!inTime(wait)) break;
        logger.warn('Twilio failed some scheduled sends; trying them again later', {
          ...meta,
          deferred: counts.deferred,
          inMs: wait,
        });
        if (!(await pause(wait, control.stopped))) {
          end = 'stopped';
          break;
        }
        // Only the deferred sends: the recipients were fixed when the fire went out.
        const retried = await fanOut(this.d, schedule, run.fireAt, control, {
          retryDeferred: true,
          deferredOnly: true,
        });
        end = retried.end;
        counts = {
          sent: counts.sent + retried.counts.sent,
          skipped: counts.skipped + retried.counts.skipped,
          failed: counts.failed + retried.counts.failed,
          already: counts.already,
          deferred: retried.counts.deferred,
        };
        wait = Math.min(wait * 2, OUTAGE_RETRY_MAX_MS);
      }
      if (end === 'completed') {
        // Every recipient was handled, even if a cancel or a shutdown came while the last sends
        // were in flight. Only a lease lost meanwhile leaves the finishing to the new owner.
        if (!(await ledger.finish(run, 'done'))) {
          logger.warn('fire taken over by another instance', meta);
          return 'lost';
        }
        await this.settleOneOff(schedule, 'done');
        await this.recordRecurringFire(schedule, run.fireAt);
        logger.info('scheduled fire sent', { ...meta, ...counts });
        return 'done';
      }
      if (lost) {
        logger.warn('fire taken over by another instance', meta);
        return 'lost';
      }
      if (canceled) {
        // Recipients not reached yet get no message and no record; the fire is not resumed if
        // the schedule is enabled again (a recurring schedule goes on with its next fire).
        await ledger.finish(run, haltedAs);
        logger.info(`scheduled fire ${haltedAs}`, { ...meta, ...counts });
        return haltedAs;
      }
      await ledger.release(run);
      return 'released';
    } catch (err) {
      const error = (err as Error).message;
      logger.error('scheduled fire interrupted', { ...meta, error });
      if ((run.failures ?? 0) + 1 >= this.d.maxFailures) {
        await ledger.finish(run, 'failed', error);
        await this.settleOneOff(schedule, 'failed');
        return 'failed';
      }
      await ledger.release(run, error);
      return 'released';
    } finally {
      clearInterval(heartbeat);
      clearInterval(cancelCheck);
      watchers.delete(watch);
      if (watchers.size === 0) this.watchers.delete(id);
    }
  }

  /**
   * The sends of this fire that its previous owner left in flight: each is reconciled with Twilio
   * (adopted if Twilio has it, sent if not) by the same mechanism as the admin API's. One whose
   * attempt is somehow still alive is left to it. Returns how many there were.
   */
  async resolveInFlight(run: Pick<ScheduleRunDoc, 'schedule' | 'fireAt'>): Promise<number> {
    const inFlight = await this.d.store.abandonedSends(1000, {
      schedule: run.schedule,
      fireAt: run.fireAt,
    });
    for (const message of inFlight) await this.d.outbound.resolveAbandoned(message);
    return inFlight.length;
  }

  /** Until when sends of this fire that Twilio failed are tried again (epoch ms). */
  private retryDeadline(schedule: ScheduleDoc, fireAt: Date): number {
    const graceEnd = fireAt.getTime() + this.d.missedGraceMs;
    if (!schedule.cron) return graceEnd;
    const [next] = upcomingRuns(schedule.cron, schedule.timezone, 1, fireAt);
    return next ? Math.min(graceEnd, next.getTime()) : graceEnd;
  }

  /**
   * A recurring schedule remembers its last fire sent (never going back to an older one: a
   * resumed fire may end late) and, while it is still active on the same cron, its next one.
   * Each update sets its own field alone, so neither can undo a cancel or a change.
   */
  private async recordRecurringFire(schedule: ScheduleDoc, fireAt: Date): Promise<void> {
    if (!schedule.cron) return;
    const { Schedule, clock } = this.d;
    await Schedule.updateOne(
      { _id: schedule._id, $or: [{ lastRunAt: null }, { lastRunAt: { $lt: fireAt } }] },
      { $set: { lastRunAt: fireAt } },
    );
    const [next] = upcomingRuns(schedule.cron, schedule.timezone, 1, clock.now());
    await Schedule.updateOne(
      { _id: schedule._id, status: 'active', cron: schedule.cron, timezone: schedule.timezone },
      { $set: { nextRunAt: next ?? null } },
    );
  }

  /** A one-off's schedule moves from `running` to how its only run ended. */
  async settleOneOff(
    schedule: Pick<ScheduleDoc, 'cron'> & { _id: unknown },
    end: OneOffEnd,
  ): Promise<void> {
    if (schedule.cron) return;
    await this.d.Schedule.updateOne(
      { _id: schedule._id, status: 'running' },
      { $set: { status: end, lastRunAt: this.d.clock.now(), nextRunAt: null, claimedBy: null } },
    );
  }
}

/** Waits `ms`, looking every 100 ms whether to stop; false when told to stop. */
async function pause(ms: number, stopped: () => boolean): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (stopped()) return false;
    await new Promise((resolve) => setTimeout(resolve, Math.min(100, until - Date.now())));
  }
  return !stopped();
}
