// Keeps texters answered while the database is down: decide from a small in-process cache of
// threads, journal each message durably, replay the journal in order once the database is back.
import type { Connection } from 'mongoose';
import type { Clock } from '../clock';
import type { BotContent } from '../content/botContent';
import { evaluateOn } from '../content/evaluate';
import { isDatabaseUnavailable, pingDatabase } from '../db/connection';
import type { Log } from '../logger';
import { buildTwiml } from '../templates';
import type { InboundMessage, InboundResult, InboundService } from './inbound';
import type { InboundJournal } from './journal';
import { applyOutcome, newThreadState, type ThreadState } from './threadState';

export interface ResilientInboundOptions {
  inbound: InboundService;
  journal: InboundJournal;
  content: BotContent;
  connection: Connection;
  clock: Clock;
  logger: Log;
  /** Threads remembered for outages (least recently used dropped first). */
  cacheSize?: number;
  /** How often to check whether the database is back. */
  probeIntervalMs?: number;
}

export class ResilientInbound {
  private readonly threads = new Map<string, ThreadState>();
  /** Answers given during the outage, by MessageSid, so Twilio's retries get the same TwiML. */
  private readonly answered = new Map<string, string>();
  private down = false;
  private probe: NodeJS.Timeout | null = null;
  private replaying: Promise<void> | null = null;

  constructor(private readonly o: ResilientInboundOptions) {}

  /** Replays whatever a previous run left in the journal (it crashed or stopped during an outage). */
  async start(): Promise<void> {
    if (this.o.journal.read().length > 0) {
      this.down = true;
      await this.replay();
    }
  }

  get databaseDown(): boolean {
    return this.down;
  }

  async handle(msg: InboundMessage): Promise<InboundResult> {
    // mongoose knows within a heartbeat that the server is gone; don't wait on server selection.
    if (!this.down && this.o.connection.readyState !== 1)
      this.markDown(new Error('database disconnected'));
    if (!this.down) {
      try {
        const result = await this.o.inbound.handle(msg);
        if (result.thread) this.remember(msg, result.thread);
        return result;
      } catch (err) {
        if (!isDatabaseUnavailable(err)) throw err;
        this.markDown(err);
      }
    }
    return this.answerOffline(msg);
  }

  stop(): void {
    if (this.probe) clearInterval(this.probe);
    this.probe = null;
    this.o.journal.close();
  }

  private key(msg: { from: string; to: string }): string {
    return `${msg.from}\u0000${msg.to}`;
  }

  private remember(msg: InboundMessage, thread: ThreadState): void {
    const key = this.key(msg);
    this.threads.delete(key); // re-insert: Map order is the LRU order
    this.threads.set(key, thread);
    if (this.threads.size > (this.o.cacheSize ?? 10_000)) {
      this.threads.delete(this.threads.keys().next().value as string);
    }
  }

  private markDown(err: unknown): void {
    if (this.down) return;
    this.down = true;
    this.o.logger.error('database unreachable: answering from the cache and journalling', {
      error: (err as Error).message,
    });
    this.probe ??= setInterval(() => void this.checkBack(), this.o.probeIntervalMs ?? 1000);
  }

  private async checkBack(): Promise<void> {
    if (this.replaying || !(await pingDatabase(this.o.connection, 1000))) return;
    await this.replay();
  }

  /** Decides from the cached thread (or a new contact's empty one), journals, answers. */
  private answerOffline(msg: InboundMessage): InboundResult {
    const earlier = this.answered.get(msg.messageSid);
    if (earlier !== undefined)
      return { twiml: earlier, duplicate: true, kind: 'duplicate', rule: null };

    const now = this.o.clock.now();
    const cached = this.threads.get(this.key(msg)) ?? newThreadState();
    const content = this.o.content.current();
    const outcome = content ? evaluateOn(content, cached, msg, now) : null;
    const twiml = outcome?.twiml ?? buildTwiml([]);
    this.o.journal.append({ message: msg, receivedAt: now.toISOString(), twiml });
    this.answered.set(msg.messageSid, twiml);
    this.remember(msg, applyOutcome(cached, outcome, now).thread);
    return {
      twiml,
      duplicate: false,
      kind: outcome?.kind ?? 'no_rules',
      rule: outcome?.rule?.id ?? null,
    };
  }

  /** Stores every journalled message in order (the MessageSid key makes a repeat a no-op). */
  private replay(): Promise<void> {
    this.replaying ??= (async () => {
      try {
        for (;;) {
          const entries = this.o.journal.read();
          if (entries.length === 0) break;
          for (const entry of entries) {
            await this.o.inbound.handle(entry.message, new Date(entry.receivedAt));
          }
          this.o.journal.drop(entries.length);
          this.o.logger.info('journal replayed', { messages: entries.length });
        }
        this.down = false;
        this.answered.clear();
        if (this.probe) clearInterval(this.probe);
        this.probe = null;
      } catch (err) {
        // Still down (or down again): the probe tries again; entries not dropped are replayed then.
        this.o.logger.warn('journal replay interrupted', { error: (err as Error).message });
        this.probe ??= setInterval(() => void this.checkBack(), this.o.probeIntervalMs ?? 1000);
      } finally {
        this.replaying = null;
      }
    })();
    return this.replaying;
  }
}
