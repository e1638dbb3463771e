// Finishing what dead instances left: fires whose lease ran out, and one-off claims with no run.
//
// A fire whose owner stopped renewing its lease is taken over by one instance (an atomic update
// on the old lease). Its sends still `sending` become `unknown` (the owner may or may not have
// reached Twilio) and the recipients without a record are sent. Found later than MISSED_GRACE
// after the lease ran out (no instance was running), the fire is marked `missed` instead.
import type { Clock } from '../clock';
import type { ScheduleDoc, ScheduleModel } from '../db/models/schedule';
import type { ScheduleRunDoc } from '../db/models/scheduleRun';
import type { Log } from '../logger';
import type { FireRunner } from './fire';
import type { OneOffClaims } from './oneOff';
import type { RunLedger } from './runs';

export interface RecoveryDeps {
  Schedule: ScheduleModel;
  ledger: RunLedger;
  claims: OneOffClaims;
  runner: FireRunner;
  clock: Clock;
  logger: Log;
  missedGraceMs: number;
  /** How many more fires this instance may take on now. */
  capacity(): number;
  /** Runs a fire in the background (tracked, so shutdown can wait for it). */
  launch(run: ScheduleRunDoc, resumed: boolean): void;
  /** Claims the run of a one-off this instance holds, then runs it. */
  launchOneOff(schedule: ScheduleDoc): void;
}

const BATCH = 20;

export class Recovery {
  constructor(private readonly d: RecoveryDeps) {}

  async pass(): Promise<void> {
    await this.resumeExpiredRuns();
    await this.repairStaleClaims();
  }

  private async resumeExpiredRuns(): Promise<void> {
    const { ledger, clock } = this.d;
    for (const expired of await ledger.expired(BATCH)) {
      if (this.d.capacity() <= 0) return;
      const run = await ledger.takeOver(expired);
      if (!run) continue; // another instance was faster
      if (clock.now().getTime() - expired.leaseUntil.getTime() > this.d.missedGraceMs) {
        await this.abandon(run);
        continue;
      }
      this.d.launch(run, true);
    }
  }

  /**
   * Nobody ran the fire for longer than MISSED_GRACE: what was in flight is reconciled with Twilio
   * (too late to be sent if Twilio does not have it), the rest missed.
   */
  private async abandon(run: ScheduleRunDoc): Promise<void> {
    const inFlight = await this.d.runner.resolveInFlight(run);
    await this.d.ledger.finish(
      run,
      'missed',
      'abandoned: no instance finished it within MISSED_GRACE',
    );
    const schedule = await this.d.Schedule.findById(run.schedule, { cron: 1 }).lean<ScheduleDoc>();
    if (schedule) await this.d.runner.settleOneOff(schedule, 'missed');
    this.d.logger.warn('abandoned fire marked missed', {
      schedule: String(run.schedule),
      fireAt: run.fireAt.toISOString(),
      inFlight,
    });
  }

  /**
   * A one-off claimed (status running) whose claim is older than a lease: if its run exists, the
   * run's lease governs it (or it finished and the schedule was not updated: do that now); if not,
   * the claiming instance died before recording the run, and this instance claims it afresh.
   */
  private async repairStaleClaims(): Promise<void> {
    const { claims, ledger } = this.d;
    const staleAfter = ledger.leaseMs + ledger.clockSkewMs;
    for (const claim of await claims.staleClaims(staleAfter, BATCH)) {
      if (this.d.capacity() <= 0) return;
      const run = claim.sendAt ? await ledger.find(claim._id, claim.sendAt) : null;
      if (run?.status === 'running') continue;
      if (run) {
        await this.d.runner.settleOneOff(claim, run.status);
        continue;
      }
      const mine = await claims.reclaim(claim);
      if (mine) this.d.launchOneOff(mine);
    }
  }
}
