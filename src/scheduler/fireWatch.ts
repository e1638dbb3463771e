// Watches a fire under way from outside its fan-out: renews the run's lease and looks whether an
// admin canceled or paused the schedule. What it finds is one value, the reason to stop.
import type { ScheduleModel } from '../db/models/schedule';
import type { ScheduleRunDoc } from '../db/models/scheduleRun';
import type { Log } from '../logger';
import type { RunLedger } from './runs';

/**
 * Why a fire must stop before every recipient is handled. `lost`: another instance took its lease
 * over; `halted`: its schedule was canceled or paused (here or on another instance).
 */
export type Interruption = { kind: 'lost' } | { kind: 'halted'; as: 'canceled' | 'paused' };

function strength(reason: Interruption | null): number {
  if (reason === null) return 0;
  if (reason.kind === 'lost') return 3;
  return reason.as === 'canceled' ? 2 : 1;
}

/**
 * Of the reason found so far and a new one, the one that decides how the fire ends: a lease lost
 * (the new owner finishes the fire), then a cancel, then a pause.
 */
export function strongerReason(
  current: Interruption | null,
  next: Interruption,
): Interruption | null {
  return strength(next) > strength(current) ? next : current;
}

export interface FireWatchDeps {
  Schedule: ScheduleModel;
  ledger: RunLedger;
  logger: Log;
  heartbeatMs: number;
  cancelCheckMs: number;
}

export class FireWatch {
  private reason: Interruption | null = null;
  private readonly timers: NodeJS.Timeout[];

  constructor(
    private readonly d: FireWatchDeps,
    private readonly run: ScheduleRunDoc,
  ) {
    const meta = { schedule: String(run.schedule), fireAt: run.fireAt.toISOString() };
    this.timers = [
      setInterval(this.poke, d.cancelCheckMs),
      // Renews the run's lease only (a one-off's old claim defers to this lease in recovery).
      setInterval(() => {
        d.ledger
          .renew(run)
          .then((owned) => {
            if (!owned) this.interrupt({ kind: 'lost' });
          })
          .catch((err: Error) =>
            d.logger.warn('lease renewal failed', { ...meta, error: err.message }),
          );
      }, d.heartbeatMs),
    ];
  }

  /** The reason to stop found so far; null while the fire may go on. */
  get interruption(): Interruption | null {
    return this.reason;
  }

  /** Looks at the schedule's status now (between batches, and when it changed on this instance). */
  async checkSchedule(): Promise<void> {
    const current = await this.d.Schedule.findById(this.run.schedule, { status: 1 }).lean<{
      status: string;
    }>();
    if (!current || current.status === 'canceled')
      this.interrupt({ kind: 'halted', as: 'canceled' });
    else if (current.status === 'paused') this.interrupt({ kind: 'halted', as: 'paused' });
  }

  /** checkSchedule() without waiting for it (a failed look is retried by the next one). */
  readonly poke = (): void => void this.checkSchedule().catch(() => undefined);

  close(): void {
    for (const timer of this.timers) clearInterval(timer);
  }

  private interrupt(reason: Interruption): void {
    this.reason = strongerReason(this.reason, reason);
  }
}
