// Twilio's webhooks: incoming messages (→ TwiML) and message status callbacks (→ 204).
import { Router, type RequestHandler } from 'express';
import type { InboundMessage, InboundResult } from '../../conversations/inbound';
import type { StatusService } from '../../outbound/status';
import { parseInboundForm, parseStatusForm } from '../twilioForms';

export interface WebhookDeps {
  inbound: { handle(msg: InboundMessage): Promise<InboundResult> };
  status: StatusService;
  /** The signature check (middleware/twilioSignature.ts). */
  verify: RequestHandler;
  /** Observes webhook latency, for metrics. */
  observe?: (route: string, seconds: number) => void;
}

export function twilioWebhookRoutes(deps: WebhookDeps): Router {
  const router = Router();

  const receive: RequestHandler = async (req, res) => {
    const started = process.hrtime.bigint();
    const form = parseInboundForm(req.body ?? {});
    const result = await deps.inbound.handle(form);
    res.status(200).type('text/xml').send(result.twiml);
    deps.observe?.('sms', Number(process.hrtime.bigint() - started) / 1e9);
  };
  router.post('/twilio/sms', deps.verify, receive);
  // The original route name, kept for existing Twilio number configurations.
  router.post('/api/receive-sms', deps.verify, receive);

  router.post('/twilio/status', deps.verify, async (req, res) => {
    const form = parseStatusForm(req.body ?? {});
    await deps.status.apply({
      messageSid: form.messageSid,
      status: form.status,
      errorCode: form.errorCode,
      to: form.to,
      from: form.from,
    });
    res.status(204).end();
  });

  return router;
}
