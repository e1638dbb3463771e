// One-off schedules: marking those too late as missed, and claiming due ones atomically.
import type { Clock } from '../clock';
import type { ScheduleDoc, ScheduleModel } from '../db/models/schedule';

/** How many due one-offs one read of the due list brings (claimed as slots free up). */
const DUE_BATCH = 200;

export class OneOffClaims {
  /** Due one-offs read but not claimed yet, oldest first: each is claimed (or found gone) by _id. */
  private candidates: ScheduleDoc['_id'][] = [];

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
   * Claims up to `limit` due one-offs, oldest first. Each claim moves one schedule from active to
   * running in one atomic update, so on any number of instances exactly one gets it. The due list
   * is read DUE_BATCH at a time and then claimed by `_id` as slots free up: a thousand one-offs due
   * at once cost five reads of the list, not one per send (the list's date range is checked in
   * the database process, document by document, on the embedded database). A candidate claimed
   * elsewhere, changed or canceled meanwhile fails its claim's filter and is dropped.
   */
  async claimDue(limit: number): Promise<ScheduleDoc[]> {
    const now = this.clock.now();
    const due = { status: 'active', cron: null, nextRunAt: { $lte: now, $gte: this.graceStart() } };
    if (this.candidates.length === 0) {
      const listed = await this.Schedule.find(due, { _id: 1 })
        .sort({ nextRunAt: 1 })
        .limit(Math.max(limit, DUE_BATCH))
        .lean<{ _id: ScheduleDoc['_id'] }[]>();
      this.candidates = listed.map((s) => s._id);
    }
    const claimed: ScheduleDoc[] = [];
    while (claimed.length < limit && this.candidates.length > 0) {
      const _id = this.candidates.shift()!;
      const schedule = await this.Schedule.findOneAndUpdate(
        { ...due, _id },
        { $set: { status: 'running', claimedBy: this.owner, claimedAt: now } },
        { new: true },
      ).lean<ScheduleDoc>();
      if (schedule) claimed.push(schedule);
    }
    return claimed;
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
