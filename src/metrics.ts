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

  inboundHandled(kind: string, rule: string | null): void {
    this.inbound.inc({ kind, rule: rule ?? 'none' });
  }

  /** `errorCode`: Twilio's code, or a word (`network`) for a failure that has none. */
  outboundStatus(status: string, errorCode: number | string | null): void {
    this.outbound.inc({ status });
    if (errorCode !== null) this.twilioErrors.inc({ code: String(errorCode) });
  }

  webhookObserved(route: string, seconds: number): void {
    this.webhookLatency.observe({ route }, seconds);
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }
}
