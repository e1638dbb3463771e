// The run ledger: claims on fires (one insert of a unique (schedule, fireAt) wins), leases, takeovers.
//
// Exactly-once per fire rests on the unique index of schedule_runs; exactly-once per recipient
// rests on the unique message key. Leases only decide *who* finishes a fire: a lease that runs out
// while its owner is merely slow lets a second instance resume, and the message keys still keep
// every recipient to one send.
//
// Leases are written by one instance's clock and read by another's: a takeover waits until the
// lease ended more than `clockSkewMs` ago, so clocks a little apart (NTP keeps them within
// milliseconds) never take a fire from an owner that is still renewing it.
import type { Types } from 'mongoose';
import type { Clock } from '../clock';
import { isDuplicateKeyError } from '../db/models';
import type { MessageModel } from '../db/models/message';
import type { RunStatus, ScheduleRunDoc, ScheduleRunModel } from '../db/models/scheduleRun';

export class RunLedger {
  constructor(
    private readonly Run: ScheduleRunModel,
    private readonly Message: MessageModel,
    private readonly clock: Clock,
    /** This instance, as written into `owner`. */
    readonly owner: string,
    readonly leaseMs: number,
    /** How far apart instances' clocks may be: leases are taken over only this long after they end. */
    readonly clockSkewMs = 0,
  ) {}

  /** Leases that ended before this (by this instance's clock, less the skew allowance) are over. */
  private expiredBefore(): Date {
    return new Date(this.clock.now().getTime() - this.clockSkewMs);
  }

  private leaseEnd(ms = this.leaseMs): Date {
    return new Date(this.clock.now().getTime() + ms);
  }

  /** Claims a fire: the run, or null when another instance (or an earlier claim) has it. */
  async claim(
    schedule: Types.ObjectId,
    fireAt: Date,
    leaseMs = this.leaseMs,
  ): Promise<ScheduleRunDoc | null> {
    const now = this.clock.now();
    try {
      const run = await this.Run.create({
        schedule,
        fireAt,
        owner: this.owner,
        leaseUntil: this.leaseEnd(leaseMs),
        startedAt: now,
        status: 'running',
      });
      return run.toObject() as ScheduleRunDoc;
    } catch (err) {
      if (isDuplicateKeyError(err)) return null;
      throw err;
    }
  }

  /**
   * Takes over a running fire whose lease has run out. Only one instance's update matches (the
   * filter checks the old lease), so only one resumes it.
   */
  async takeOver(run: Pick<ScheduleRunDoc, '_id'>): Promise<ScheduleRunDoc | null> {
    return this.Run.findOneAndUpdate(
      { _id: run._id, status: 'running', leaseUntil: { $lt: this.expiredBefore() } },
      { $set: { owner: this.owner, leaseUntil: this.leaseEnd() }, $inc: { takeovers: 1 } },
      { new: true },
    ).lean<ScheduleRunDoc>();
  }

  /** Running fires whose owners stopped renewing their lease, oldest first. */
  async expired(limit: number): Promise<ScheduleRunDoc[]> {
    return this.Run.find({ status: 'running', leaseUntil: { $lt: this.expiredBefore() } })
      .sort({ leaseUntil: 1 })
      .limit(limit)
      .lean<ScheduleRunDoc[]>();
  }

  /** Renews the lease; false when this instance no longer owns the run (taken over, finished). */
  async renew(run: ScheduleRunDoc): Promise<boolean> {
    const result = await this.Run.updateOne(
      { _id: run._id, owner: this.owner, status: 'running' },
      { $set: { leaseUntil: this.leaseEnd() } },
    );
    return result.matchedCount === 1;
  }

  /** Gives the run up now (graceful stop, or an error), so any instance may resume it at once. */
  async release(run: ScheduleRunDoc, failure?: string): Promise<void> {
    const set = failure
      ? { leaseUntil: this.clock.now(), error: failure }
      : { leaseUntil: this.clock.now() };
    await this.Run.updateOne(
      { _id: run._id, owner: this.owner, status: 'running' },
      failure ? { $set: set, $inc: { failures: 1 } } : { $set: set },
    );
  }

  async finish(
    run: ScheduleRunDoc,
    status: Exclude<RunStatus, 'running'>,
    error: string | null = null,
  ): Promise<boolean> {
    const result = await this.Run.updateOne(
      { _id: run._id, owner: this.owner, status: 'running' },
      { $set: { status, finishedAt: this.clock.now(), error } },
    );
    return result.matchedCount === 1;
  }

  async find(schedule: Types.ObjectId, fireAt: Date): Promise<ScheduleRunDoc | null> {
    return this.Run.findOne({ schedule, fireAt }).lean<ScheduleRunDoc>();
  }
}
