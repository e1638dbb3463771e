// The send recovery pass: at start and then periodically, one instance at a time resolves sends whose
// attempt died (see OutboundService.resolveAbandoned), a bounded number per pass.
import type { Clock } from '../clock';
import type { ConversationStore } from '../conversations/store';
import { isDuplicateKeyError } from '../db/models';
import type { LeaseModel } from '../db/models/lease';
import type { Log } from '../logger';
import type { OutboundService } from './messages';

const LEASE = 'send-recovery';

export interface SendRecoveryDeps {
  store: ConversationStore;
  outbound: OutboundService;
  Lease: LeaseModel;
  clock: Clock;
  instance: string;
  /** How often a pass runs (SEND_LEASE): an attempt that died is resolved within two of these. */
  intervalMs: number;
  /** Sends resolved per pass at most; the rest wait for the next pass. */
  batch?: number;
  logger: Log;
  onPass?: (counts: { unknown: number; abandoned: number }) => void;
}

export class SendRecovery {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;
  private stopped = false;

  constructor(private readonly d: SendRecoveryDeps) {}

  start(): void {
    this.kick();
    this.timer = setInterval(() => this.kick(), this.d.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  private kick(): void {
    if (this.running) return;
    this.running = this.pass()
      .catch((err: Error) =>
        this.d.logger.warn('send recovery pass failed', { error: err.message }),
      )
      .finally(() => {
        this.running = null;
      });
  }

  /** One pass: resolved sends by outcome; nothing when another instance holds the pass. */
  async pass(): Promise<{ resolved: number } | null> {
    if (!(await this.takeLease())) return null;
    const batch = this.d.batch ?? 50;
    const abandoned = await this.d.store.abandonedSends(batch);
    let resolved = 0;
    for (const message of abandoned) {
      if (this.stopped) break;
      if (await this.d.outbound.resolveAbandoned(message)) resolved += 1;
    }
    const left = await this.d.store.abandonedSends(batch);
    this.d.onPass?.({
      unknown: left.filter((m) => m.status === 'unknown').length,
      abandoned: left.filter((m) => m.status === 'sending').length,
    });
    if (resolved > 0) this.d.logger.info('send recovery pass', { resolved, left: left.length });
    return { resolved };
  }

  /** The pass runs on one instance: the lease's owner, renewed each pass, taken over when it lapses. */
  private async takeLease(): Promise<boolean> {
    const now = this.d.clock.now();
    const until = new Date(now.getTime() + 2 * this.d.intervalMs);
    try {
      const lease = await this.d.Lease.findOneAndUpdate(
        { _id: LEASE, $or: [{ owner: this.d.instance }, { until: { $lt: now } }] },
        { $set: { owner: this.d.instance, until } },
        { upsert: true, new: true },
      ).lean();
      return lease?.owner === this.d.instance;
    } catch (err) {
      if (isDuplicateKeyError(err)) return false; // held by a live instance
      throw err;
    }
  }
}
