// The scheduler of one instance: polls for due one-offs and abandoned fires, keeps the node-cron
// tasks in step with the database, and runs the fires it wins with a bounded number of Twilio calls.
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import type { Clock } from '../clock';
import type { ConversationStore } from '../conversations/store';
import type { Models } from '../db/models';
import type { ScheduleDoc } from '../db/models/schedule';
import type { ScheduleRunDoc, ScheduleRunModel } from '../db/models/scheduleRun';
import type { Log } from '../logger';
import type { OutboundService } from '../outbound/messages';
import { CronTasks, type CronDriver, type RecurringSchedule } from './cronTasks';
import { FireRunner } from './fire';
import { Limiter } from './limiter';
import { OneOffClaims } from './oneOff';
import { Recovery } from './recovery';
import { RunLedger } from './runs';

export interface SchedulerOptions {
  /** How often to look for due one-offs, abandoned fires and schedules changed elsewhere. */
  pollMs: number;
  /** How long a fire stays owned without renewal; the owner renews it every leaseMs / 3. */
  leaseMs: number;
  /**
   * How far apart instances' clocks may be (they should be NTP-synced): a lease is taken over only
   * this long after it ended by the reader's clock.
   */
  clockSkewMs: number;
  /** Twilio calls in flight at once on this instance, over all fires. */
  sendConcurrency: number;
  /** Fires (one-offs and resumed fires) this instance works on at once. */
  maxConcurrentRuns: number;
  /** Recipients read and checked per step of a fan-out. */
  batchSize: number;
  /** Interrupted attempts before a fire is given up as failed. */
  maxFailures: number;
  /** On stop, how long to wait for fan-outs to hand their fires back. */
  stopGraceMs: number;
  /** After sends failed on Twilio's side, the first wait before trying them again (then doubling). */
  outageRetryMs: number;
  /** What fires recurring slots: node-cron unless set (tests fire them from their clock). */
  cronDriver?: CronDriver;
}

export const DEFAULT_SCHEDULER_OPTIONS: SchedulerOptions = {
  pollMs: 1000,
  leaseMs: 10_000,
  clockSkewMs: 2000,
  sendConcurrency: 10,
  maxConcurrentRuns: 20,
  batchSize: 100,
  maxFailures: 5,
  stopGraceMs: 5000,
  outageRetryMs: 5000,
};

export interface SchedulerDeps {
  models: Models;
  Run: ScheduleRunModel;
  store: ConversationStore;
  outbound: OutboundService;
  clock: Clock;
  logger: Log;
  missedGraceMs: number;
  defaultFrom: string | null;
  hasTemplate(name: string): boolean;
  /** Written into every claim; defaults to host:pid:random. */
  instanceId?: string;
}

export class Scheduler {
  readonly instanceId: string;
  readonly options: SchedulerOptions;
  private readonly ledger: RunLedger;
  private readonly claims: OneOffClaims;
  private readonly runner: FireRunner;
  private readonly cronTasks: CronTasks;
  private readonly recovery: Recovery;
  private readonly active = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | null = null;
  private passing: Promise<void> | null = null;
  private pending: 'none' | 'claims' | 'full' = 'none';
  private stopping = false;

  constructor(
    private readonly d: SchedulerDeps,
    options: Partial<SchedulerOptions> = {},
  ) {
    this.options = { ...DEFAULT_SCHEDULER_OPTIONS, ...options };
    this.instanceId =
      d.instanceId ?? `${os.hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
    const { models, clock, logger } = d;
    this.ledger = new RunLedger(
      d.Run,
      models.Message,
      clock,
      this.instanceId,
      this.options.leaseMs,
      this.options.clockSkewMs,
    );
    this.claims = new OneOffClaims(models.Schedule, clock, this.instanceId, d.missedGraceMs);
    this.runner = new FireRunner({
      models,
      store: d.store,
      outbound: d.outbound,
      limiter: new Limiter(this.options.sendConcurrency),
      defaultFrom: d.defaultFrom,
      batchSize: this.options.batchSize,
      Schedule: models.Schedule,
      ledger: this.ledger,
      clock,
      logger,
      hasTemplate: d.hasTemplate,
      heartbeatMs: Math.max(50, Math.floor(this.options.leaseMs / 3)),
      cancelCheckMs: Math.min(1000, this.options.pollMs),
      maxFailures: this.options.maxFailures,
      stopping: () => this.stopping,
      missedGraceMs: d.missedGraceMs,
      outageRetryMs: this.options.outageRetryMs,
    });
    this.cronTasks = new CronTasks({
      Schedule: models.Schedule,
      ledger: this.ledger,
      logger,
      onFire: (run) => this.launch(run, false),
      driver: this.options.cronDriver,
    });
    this.recovery = new Recovery({
      Schedule: models.Schedule,
      ledger: this.ledger,
      claims: this.claims,
      runner: this.runner,
      clock,
      logger,
      missedGraceMs: d.missedGraceMs,
      capacity: () => this.capacity(),
      launch: (run, resumed) => this.launch(run, resumed),
      launchOneOff: (schedule) => this.launchOneOff(schedule),
    });
  }

  /** Runs a first pass (one-offs due while no instance ran are sent now), then polls. */
  async start(): Promise<void> {
    await this.pass('full');
    this.timer = setInterval(() => this.kick('full'), this.options.pollMs);
    this.d.logger.info('scheduler started', {
      instance: this.instanceId,
      recurring: this.cronTasks.size,
    });
  }

  /** Stops polling and cron tasks; fan-outs in progress hand their fires back within stopGraceMs. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    this.cronTasks.stopAll();
    await this.passing?.catch(() => undefined);
    const grace = new Promise((resolve) => setTimeout(resolve, this.options.stopGraceMs).unref());
    await Promise.race([this.idle(), grace]);
    this.d.logger.info('scheduler stopped', {
      instance: this.instanceId,
      unfinished: this.active.size,
    });
  }

  /**
   * How many node-cron tasks this instance has armed: one per active recurring schedule it knows
   * of. Read-only; lets operators and tests see that a schedule changed elsewhere was picked up.
   */
  get armedCronTasks(): number {
    return this.cronTasks.size;
  }

  /** A schedule changed on this instance: pick it up now rather than at the next poll. */
  refresh(schedule?: string): void {
    if (schedule) this.runner.poke(schedule);
    this.kick('full');
  }

  /** One full pass now, then waits until every fire under way has ended. For tests and tools. */
  async tick(): Promise<void> {
    await this.passing?.catch(() => undefined);
    await this.pass('full');
    await this.idle();
  }

  /** Resolves once no fire is under way on this instance. */
  async idle(): Promise<void> {
    while (this.active.size > 0) await Promise.allSettled([...this.active]);
  }

  private capacity(): number {
    return this.stopping ? 0 : this.options.maxConcurrentRuns - this.active.size;
  }

  /** Starts a pass unless one is under way; then the wanted pass follows it. */
  private kick(kind: 'claims' | 'full'): void {
    if (this.stopping) return;
    if (this.passing) {
      if (this.pending !== 'full') this.pending = kind;
      return;
    }
    this.passing = this.pass(kind)
      .catch((err: Error) => this.d.logger.error('scheduler pass failed', { error: err.message }))
      .finally(() => {
        this.passing = null;
        const next = this.pending;
        this.pending = 'none';
        if (next !== 'none') this.kick(next);
      });
  }

  /** full: cron sync, missed one-offs, claims, recovery. claims: only claim more due one-offs. */
  private async pass(kind: 'claims' | 'full'): Promise<void> {
    if (kind === 'full') {
      await this.syncCron();
      for (const missed of await this.claims.markMissed()) {
        this.d.logger.warn('one-off schedule missed', {
          schedule: String(missed._id),
          sendAt: missed.sendAt?.toISOString(),
        });
      }
    }
    while (this.capacity() > 0) {
      const claimed = await this.claims.claimDue(this.capacity());
      for (const schedule of claimed) this.launchOneOff(schedule);
      if (claimed.length === 0) break;
    }
    if (kind === 'full' && this.capacity() > 0) await this.recovery.pass();
  }

  private async syncCron(): Promise<void> {
    const recurring = await this.d.models.Schedule.find(
      { status: 'active', cron: { $ne: null } },
      { _id: 1, cron: 1, timezone: 1 },
    ).lean<RecurringSchedule[]>();
    if (!this.stopping) this.cronTasks.sync(recurring);
  }

  private launch(run: ScheduleRunDoc, resumed: boolean): void {
    this.track(() => this.runner.run(run, resumed));
  }

  /** Records the run of a claimed one-off (its claim on the fire), then sends it. */
  private launchOneOff(schedule: ScheduleDoc): void {
    this.track(async () => {
      const fireAt = schedule.sendAt ?? schedule.nextRunAt;
      if (!fireAt) return;
      const run = await this.ledger.claim(schedule._id, fireAt);
      if (run) {
        await this.runner.run(run, false);
        return;
      }
      // A run already exists: an earlier claim died after recording it. Running, its lease
      // governs (recovery resumes it); finished, the schedule only needs to show it.
      const existing = await this.ledger.find(schedule._id, fireAt);
      if (existing && existing.status !== 'running')
        await this.runner.settleOneOff(schedule, existing.status);
    });
  }

  private track(work: () => Promise<unknown>): void {
    const p: Promise<void> = work()
      .then(() => undefined)
      .catch((err: Error) => this.d.logger.error('scheduled fire failed', { error: err.message }))
      .finally(() => {
        this.active.delete(p);
        // A slot is free: claim the next due one-off at once rather than at the next poll.
        this.kick('claims');
      });
    this.active.add(p);
  }
}
