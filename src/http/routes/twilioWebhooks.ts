// Twilio's webhooks: incoming messages (→ TwiML) and message status callbacks (→ 204).
import { Router, type RequestHandler } from 'express';
import type { InboundMessage, InboundResult } from '../../conversations/inbound';
import type { StatusService } from '../../outbound/status';
import { parseInboundForm, parseStatusForm } from '../twilioForms';

export interface WebhookDeps {
  inbound: { handle(msg: InboundMessage): Promise<InboundResult> };
  status: StatusService;
  /** Run before each webhook: media type, form parsing, the signature check (middleware/). */
  verify: RequestHandler[];
  /** Observes webhook latency, for metrics. */
  observe?: (route: string, seconds: number) => void;
}

export function twilioWebhookRoutes(deps: WebhookDeps): Router {
  const router = Router();

  /** Times a webhook handler, failures included (a slow 500 is the one worth seeing). */
  const timed =
    (route: string, handler: RequestHandler): RequestHandler =>
    async (req, res, next) => {
      const started = process.hrtime.bigint();
      try {
        await handler(req, res, next);
      } finally {
        deps.observe?.(route, Number(process.hrtime.bigint() - started) / 1e9);
      }
    };

  const receive: RequestHandler = timed('sms', async (req, res) => {
    const form = parseInboundForm(req.body ?? {});
    const result = await deps.inbound.handle(form);
    res.status(200).type('text/xml').send(result.twiml);
  });
  router.post('/twilio/sms', deps.verify, receive);
  // The original route name, kept for existing Twilio number configurations.
  router.post('/api/receive-sms', deps.verify, receive);

  router.post(
    '/twilio/status',
    deps.verify,
    timed('status', async (req, res) => {
      const form = parseStatusForm(req.body ?? {});
      await deps.status.apply({
        messageSid: form.messageSid,
        status: form.status,
        errorCode: form.errorCode,
        to: form.to,
        from: form.from,
      });
      res.status(204).end();
    }),
  );

  return router;
}
