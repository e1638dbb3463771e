// One-off schedules: marking those too late as missed, and claiming due ones atomically.
import type { Clock } from '../clock';
import type { ScheduleDoc, ScheduleModel } from '../db/models/schedule';

export class OneOffClaims {
  constructor(
    private readonly Schedule: ScheduleModel,
    private readonly clock: Clock,
    private readonly owner: string,
    /** MISSED_GRACE: how late a one-off may still be sent. */
    private readonly missedGraceMs: number,
  ) {}

  private graceStart(): Date {
    return new Date(this.clock.now().getTime() - this.missedGraceMs);
  }

  /**
   * One-offs whose time passed more than MISSED_GRACE ago with no instance to send them (all were
   * down, or it was paused until then) are marked `missed`, never sent.
   */
  async markMissed(): Promise<ScheduleDoc[]> {
    const filter = { status: 'active', cron: null, nextRunAt: { $lt: this.graceStart() } };
    const missed = await this.Schedule.find(filter, { _id: 1, name: 1, sendAt: 1 })
      .limit(1000)
      .lean<ScheduleDoc[]>();
    if (missed.length === 0) return [];
    await this.Schedule.updateMany(
      { ...filter, _id: { $in: missed.map((s) => s._id) } },
      { $set: { status: 'missed', nextRunAt: null }, $inc: { revision: 1 } },
    );
    return missed;
  }

  /**
   * Claims the oldest due one-off: the status moves from active to running in one atomic update,
   * so on any number of instances exactly one gets it.
   */
  async claimNext(): Promise<ScheduleDoc | null> {
    const now = this.clock.now();
    return this.Schedule.findOneAndUpdate(
      { status: 'active', cron: null, nextRunAt: { $lte: now, $gte: this.graceStart() } },
      { $set: { status: 'running', claimedBy: this.owner, claimedAt: now } },
      { sort: { nextRunAt: 1 }, new: true },
    ).lean<ScheduleDoc>();
  }

  /**
   * One-offs claimed longer than `olderThanMs` ago and still running: normally a long fan-out (its
   * run has a live lease), but possibly a claim whose instance died before it recorded the run.
   */
  async staleClaims(olderThanMs: number, limit: number): Promise<ScheduleDoc[]> {
    const before = new Date(this.clock.now().getTime() - olderThanMs);
    return this.Schedule.find({ status: 'running', cron: null, claimedAt: { $lt: before } })
      .sort({ claimedAt: 1 })
      .limit(limit)
      .lean<ScheduleDoc[]>();
  }

  /** Re-claims a stale claim for this instance; null when another instance was faster. */
  async reclaim(schedule: ScheduleDoc): Promise<ScheduleDoc | null> {
    return this.Schedule.findOneAndUpdate(
      { _id: schedule._id, status: 'running', claimedAt: schedule.claimedAt },
      { $set: { claimedBy: this.owner, claimedAt: this.clock.now() } },
      { new: true },
    ).lean<ScheduleDoc>();
  }
}
