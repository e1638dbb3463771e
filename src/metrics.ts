// Prometheus metrics for one instance, on its own registry (tests run several instances per process).
import client from 'prom-client';

export class Metrics {
  readonly registry = new client.Registry();
  private readonly inbound = new client.Counter({
    name: 'replybot_inbound_messages_total',
    help: 'Inbound messages handled, by decision kind and matched rule',
    labelNames: ['kind', 'rule'] as const,
    registers: [this.registry],
  });
  private readonly outbound = new client.Counter({
    name: 'replybot_outbound_messages_total',
    help: 'Outbound message outcomes and status callbacks, by status',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });
  private readonly twilioErrors = new client.Counter({
    name: 'replybot_twilio_errors_total',
    help: 'Twilio errors, by Twilio error code (network: Twilio not reached)',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });
  private readonly reconciliations = new client.Counter({
    name: 'replybot_send_reconciliations_total',
    help: 'Sends whose attempt died, by how they were resolved: reconciled (found at Twilio, SID adopted), resent (not found, sent), unknown (Twilio could not be asked; tried again later)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  private readonly unresolved = new client.Gauge({
    name: 'replybot_sends_unresolved',
    help: 'Sends whose outcome at Twilio is not known, as the last recovery pass found them: unknown (Twilio could not be asked), abandoned (attempt dead, not yet resolved)',
    labelNames: ['state'] as const,
    registers: [this.registry],
  });
  /**
   * Hits per rule since this instance started, every loaded rule listed from 0 (a rule that never
   * answers shows up as 0 rather than missing); GET /api/rules/stats counts from the database.
   */
  private readonly ruleHits = new client.Counter({
    name: 'replybot_rule_hits_total',
    help: 'Inbound messages answered by each rule since this instance started',
    labelNames: ['rule'] as const,
    registers: [this.registry],
  });
  private readonly ruleLastHit = new client.Gauge({
    name: 'replybot_rule_last_hit_timestamp_seconds',
    help: 'When each rule last answered a message on this instance (Unix time)',
    labelNames: ['rule'] as const,
    registers: [this.registry],
  });
  private readonly webhookLatency = new client.Histogram({
    name: 'replybot_webhook_duration_seconds',
    help: 'Time to answer a Twilio webhook',
    labelNames: ['route'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  constructor() {
    client.collectDefaultMetrics({ register: this.registry, prefix: 'replybot_' });
  }

  inboundHandled(kind: string, rule: string | null, at: Date = new Date()): void {
    this.inbound.inc({ kind, rule: rule ?? 'none' });
    if (rule !== null) {
      this.ruleHits.inc({ rule });
      this.ruleLastHit.set({ rule }, at.getTime() / 1000);
    }
  }

  /** Lists the loaded rules at 0 hits, so rules that never answer appear (call on each load). */
  rulesLoaded(ids: readonly string[]): void {
    for (const rule of ids) this.ruleHits.inc({ rule }, 0);
  }

  /** `errorCode`: Twilio's code, or a word (`network`) for a failure that has none. */
  outboundStatus(status: string, errorCode: number | string | null): void {
    this.outbound.inc({ status });
    if (errorCode !== null) this.twilioErrors.inc({ code: String(errorCode) });
  }

  sendReconciled(outcome: 'reconciled' | 'resent' | 'unknown'): void {
    this.reconciliations.inc({ outcome });
  }

  sendsUnresolved(counts: { unknown: number; abandoned: number }): void {
    this.unresolved.set({ state: 'unknown' }, counts.unknown);
    this.unresolved.set({ state: 'abandoned' }, counts.abandoned);
  }

  webhookObserved(route: string, seconds: number): void {
    this.webhookLatency.observe({ route }, seconds);
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }
}
