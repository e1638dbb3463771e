// In-process notifications for the console's live views: the inbound pipeline publishes, event streams subscribe.
import { EventEmitter } from 'node:events';

/** A texter's message, stored with its thread update (published after the database has it). */
export interface InboundStored {
  contact: string;
  /** Our number (or Messaging Service SID) the contact wrote to. */
  number: string;
  at: Date;
  kind: string;
  rule: string | null;
}

/**
 * One per instance, created by the composition root. Only messages this instance handled are
 * published: with several instances behind a load balancer, a console sees its own instance's
 * messages live and the others' when it reloads a list (README, "Console").
 */
export class LiveEvents {
  private readonly emitter = new EventEmitter();
  private closed = false;

  constructor() {
    // Every open console tab is a listener; the number is bounded by admins, not by texters.
    this.emitter.setMaxListeners(0);
  }

  inboundStored(event: InboundStored): void {
    if (!this.closed) this.emitter.emit('inbound', event);
  }

  /** Calls `listener` for every stored inbound message; returns the unsubscribe function. */
  onInbound(listener: (event: InboundStored) => void): () => void {
    this.emitter.on('inbound', listener);
    return () => this.emitter.off('inbound', listener);
  }

  /**
   * Calls `listener` once when the instance shuts down (at once if it already has): open event
   * streams end then, instead of holding the HTTP server's drain until its grace runs out.
   */
  onClose(listener: () => void): () => void {
    if (this.closed) {
      listener();
      return () => undefined;
    }
    this.emitter.once('close', listener);
    return () => this.emitter.off('close', listener);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.emitter.emit('close');
    this.emitter.removeAllListeners();
  }
}
