// Carrying out one claimed fire: renew the lease while fanning out, then record how it ended.
import type { Clock } from '../clock';
import type { ScheduleDoc, ScheduleModel } from '../db/models/schedule';
import type { RunStatus, ScheduleRunDoc } from '../db/models/scheduleRun';
import type { Log } from '../logger';
import { retryDelayMs } from '../retry';
import { upcomingRuns } from './cronSpec';
import { fanOut, type FanOutCounts, type FanOutDeps } from './fanout';
import { FireWatch } from './fireWatch';
import type { RunLedger } from './runs';

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

/**
 * How a fire's sending stopped, as one value: `done` every recipient was handled; `lost` another
 * instance took the lease over; `halted` the schedule was canceled or paused; `released` this
 * instance is shutting down and hands the fire back.
 */
export type FireStop =
  | { kind: 'done'; counts: FanOutCounts }
  | { kind: 'lost' }
  | { kind: 'halted'; as: 'canceled' | 'paused'; counts: FanOutCounts }
  | { kind: 'released' };

/** A finished one-off's schedule status follows its run. */
type OneOffEnd = Exclude<RunStatus, 'running'>;

type FireMeta = { schedule: string; fireAt: string };

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
    const meta = { schedule: String(run.schedule), fireAt: run.fireAt.toISOString() };
    if (resumed) {
      const inFlight = await this.resolveInFlight(run);
      this.d.logger.warn('resuming a fire whose instance stopped', {
        ...meta,
        previousOwnerSends: inFlight,
      });
    }
    const schedule = await this.d.Schedule.findById(run.schedule).lean<ScheduleDoc>();
    const refused = await this.refuse(run, schedule, meta);
    if (refused !== null || !schedule) return refused ?? 'canceled';

    const watch = new FireWatch(this.d, run);
    const unwatch = this.register(String(run.schedule), watch.poke);
    try {
      return await this.settle(run, schedule, await this.sendAll(run, schedule, watch, meta), meta);
    } catch (err) {
      return await this.interrupted(run, schedule, err, meta);
    } finally {
      watch.close();
      unwatch();
    }
  }

  /** A fire that sends nothing: its schedule is gone, canceled, paused, or names no template we have. */
  private async refuse(
    run: ScheduleRunDoc,
    schedule: ScheduleDoc | null,
    meta: FireMeta,
  ): Promise<FireResult | null> {
    const { ledger, logger } = this.d;
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
    return null;
  }

  /** poke(schedule) reaches `check` until the returned function is called. */
  private register(schedule: string, check: () => void): () => void {
    const watchers = this.watchers.get(schedule) ?? new Set();
    this.watchers.set(schedule, watchers.add(check));
    return () => {
      watchers.delete(check);
      if (watchers.size === 0) this.watchers.delete(schedule);
    };
  }

  /**
   * The fan-out, then passes over the sends Twilio failed (an outage), until every recipient is
   * handled or something stops it. A scheduled message is late rather than lost, until the fire
   * is MISSED_GRACE late (a recurring fire: until its next fire); past that, even a resumed fire
   * leaves them failed.
   */
  private async sendAll(
    run: ScheduleRunDoc,
    schedule: ScheduleDoc,
    watch: FireWatch,
    meta: FireMeta,
  ): Promise<FireStop> {
    const control = {
      stopped: () => watch.interruption !== null || this.d.stopping(),
      checkpoint: () => watch.checkSchedule(),
    };
    const deadline = this.retryDeadline(schedule, run.fireAt);
    const inTime = (wait = 0) => this.d.clock.now().getTime() + wait <= deadline;
    let pass = await fanOut(this.d, schedule, run.fireAt, control, { retryDeferred: inTime() });
    let counts = pass.counts;
    // Doubling waits without jitter: one instance owns the fire, so there is no herd to spread.
    const policy = {
      attempts: Infinity,
      baseDelayMs: this.d.outageRetryMs,
      maxDelayMs: OUTAGE_RETRY_MAX_MS,
      jitter: 'none',
    } as const;
    let retry = 1;
    let wait = retryDelayMs(retry, policy);
    while (pass.end === 'completed' && counts.deferred > 0 && inTime(wait)) {
      this.d.logger.warn('Twilio failed some scheduled sends; trying them again later', {
        ...meta,
        deferred: counts.deferred,
        inMs: wait,
      });
      if (!(await pause(this.d.clock, wait, control.stopped))) return stoppedBy(watch, counts);
      // Only the deferred sends: the recipients were fixed when the fire went out.
      pass = await fanOut(this.d, schedule, run.fireAt, control, {
        retryDeferred: true,
        deferredOnly: true,
      });
      counts = withRetry(counts, pass.counts);
      wait = retryDelayMs(++retry, policy);
    }
    // Completed: every recipient was handled, even if a cancel or a shutdown came while the last
    // sends were in flight.
    return pass.end === 'completed' ? { kind: 'done', counts } : stoppedBy(watch, counts);
  }

  /** Records how the fire ended and returns it. */
  private async settle(
    run: ScheduleRunDoc,
    schedule: ScheduleDoc,
    stop: FireStop,
    meta: FireMeta,
  ): Promise<FireResult> {
    const { ledger, logger } = this.d;
    switch (stop.kind) {
      case 'done':
        // Only a lease lost meanwhile leaves the finishing to the new owner.
        if (!(await ledger.finish(run, 'done'))) return this.lost(meta);
        await this.settleOneOff(schedule, 'done');
        await this.recordRecurringFire(schedule, run.fireAt);
        logger.info('scheduled fire sent', { ...meta, ...stop.counts });
        return 'done';
      case 'lost':
        return this.lost(meta);
      case 'halted':
        // Recipients not reached yet get no message and no record; the fire is not resumed if
        // the schedule is enabled again (a recurring schedule goes on with its next fire).
        await ledger.finish(run, stop.as);
        logger.info(`scheduled fire ${stop.as}`, { ...meta, ...stop.counts });
        return stop.as;
      case 'released':
        await ledger.release(run);
        return 'released';
    }
  }

  private lost(meta: FireMeta): FireResult {
    this.d.logger.warn('fire taken over by another instance', meta);
    return 'lost';
  }

  /** An unexpected error (the database went away): tried again later, up to maxFailures attempts. */
  private async interrupted(
    run: ScheduleRunDoc,
    schedule: ScheduleDoc,
    err: unknown,
    meta: FireMeta,
  ): Promise<FireResult> {
    const error = (err as Error).message;
    this.d.logger.error('scheduled fire interrupted', { ...meta, error });
    if ((run.failures ?? 0) + 1 >= this.d.maxFailures) {
      await this.d.ledger.finish(run, 'failed', error);
      await this.settleOneOff(schedule, 'failed');
      return 'failed';
    }
    await this.d.ledger.release(run, error);
    return 'released';
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

/** A fan-out that did not complete: why, as the watch saw it (else this instance is stopping). */
function stoppedBy(watch: FireWatch, counts: FanOutCounts): FireStop {
  const reason = watch.interruption;
  if (reason === null) return { kind: 'released' };
  return reason.kind === 'lost' ? reason : { ...reason, counts };
}

/** The counts after a retry pass: its sends add up; what is still deferred is what it left. */
function withRetry(counts: FanOutCounts, retried: FanOutCounts): FanOutCounts {
  return {
    sent: counts.sent + retried.sent,
    skipped: counts.skipped + retried.skipped,
    failed: counts.failed + retried.failed,
    already: counts.already,
    deferred: retried.deferred,
  };
}

/**
 * Waits `ms` on the injected clock (a test moves it on), looking every 100 ms whether to stop;
 * false when told to stop.
 */
async function pause(clock: Clock, ms: number, stopped: () => boolean): Promise<boolean> {
  const until = clock.now().getTime() + ms;
  for (let left = ms; left > 0; left = until - clock.now().getTime()) {
    if (stopped()) return false;
    await new Promise((resolve) => setTimeout(resolve, Math.min(100, left)));
  }
  return !stopped();
}
