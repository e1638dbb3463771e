// Recurring slots fired from a ManualClock instead of real seconds: the scheduler's CronDriver seam.
import type { ManualClock } from '../../src/clock';
import type { CronDriver, CronSlots } from '../../src/scheduler/cronTasks';
import { upcomingRuns } from '../../src/scheduler/cronSpec';

/**
 * Arms schedules as node-cron would, but moves only when told: `advance(ms)` steps the clock from
 * slot to slot, and at each one claims it through the schedule's coordinator (the key node-cron
 * builds) and runs it if the claim is won. Fan-outs then run on; `scheduler.idle()` waits for them.
 */
export class ClockCronDriver implements CronDriver {
  /** Each armed schedule and the time its next slot is counted from. */
  private readonly armed = new Map<CronSlots, Date>();

  constructor(private readonly clock: ManualClock) {}

  arm(slots: CronSlots): () => void {
    this.armed.set(slots, this.clock.now());
    return () => this.armed.delete(slots);
  }

  /** The cron expressions armed now, one per active recurring schedule. */
  get patterns(): string[] {
    return [...this.armed.keys()].map((s) => s.schedule.cron);
  }

  /**
   * Moves the clock `ms` on, firing every slot passed on the way in time order; returns the slots
   * claimed and run. A schedule armed or disarmed by a run (a cancel) is seen at the next slot.
   */
  async advance(ms: number): Promise<Date[]> {
    const until = this.clock.now().getTime() + ms;
    const ran: Date[] = [];
    for (;;) {
      let earliest: { slots: CronSlots; at: Date } | null = null;
      for (const [slots, from] of this.armed) {
        const [at] = upcomingRuns(slots.schedule.cron, slots.schedule.timezone, 1, from);
        if (at.getTime() <= until && (!earliest || at < earliest.at)) earliest = { slots, at };
      }
      if (!earliest) break;
      const { slots, at } = earliest;
      this.armed.set(slots, at);
      this.clock.set(at);
      if (await slots.coordinator.shouldRun(`${slots.name}:${at.toISOString()}`, slots.leaseMs)) {
        slots.run(at);
        ran.push(at);
      }
    }
    this.clock.set(new Date(until));
    return ran;
  }
}
