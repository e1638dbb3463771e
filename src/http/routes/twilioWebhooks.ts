// Twilio's webhooks: incoming messages (→ TwiML) and message status callbacks (→ 204). The forms
// are documented here and decoded by twilioForms.ts, defensively (courier's moForm/statusForm).
import { z } from 'zod';
import type { InboundMessage, InboundResult } from '../../conversations/inbound';
import type { StatusService } from '../../outbound/status';
import { Reply, operation, type OperationInput } from '../operation';
import { parseInboundForm, parseStatusForm } from '../twilioForms';

export interface WebhookDeps {
  inbound: { handle(msg: InboundMessage): Promise<InboundResult> };
  status: StatusService;
  /** Observes webhook latency, for metrics. */
  observe?: (route: string, seconds: number) => void;
}

const TwilioInboundForm = z
  .object({
    MessageSid: z.string(),
    From: z.string(),
    To: z.string(),
    Body: z.string().optional(),
    NumMedia: z.string().optional(),
  })
  .catchall(z.string())
  .openapi('TwilioInboundForm');

const TwilioStatusForm = z
  .object({ MessageSid: z.string(), MessageStatus: z.string(), ErrorCode: z.string().optional() })
  .catchall(z.string())
  .openapi('TwilioStatusForm');

type Handler<B> = (input: OperationInput<undefined, undefined, B>, deps: WebhookDeps) => unknown;

/** Times a webhook handler, failures included (a slow 500 is the one worth seeing). */
function timed<B>(route: string, handler: Handler<B>): Handler<B> {
  return async (input, deps) => {
    const started = process.hrtime.bigint();
    try {
      return await handler(input, deps);
    } finally {
      deps.observe?.(route, Number(process.hrtime.bigint() - started) / 1e9);
    }
  };
}

const op = operation<WebhookDeps>();

const receive = (path: string, summary: string) =>
  op({
    method: 'post',
    path,
    auth: 'twilio',
    tag: 'webhooks',
    summary,
    description:
      'Signed by Twilio (X-Twilio-Signature). Answers TwiML; a retried MessageSid gets the first answer again.',
    body: {
      type: 'application/x-www-form-urlencoded',
      schema: TwilioInboundForm,
      validate: false,
      example: {
        MessageSid: 'SM1a2b3c4d5e6f708192a3b4c5d6e7f809',
        From: '+14155550123',
        To: '+14155550100',
        Body: 'hours',
      },
    },
    responses: {
      200: { description: 'TwiML reply', schema: z.string(), contentType: 'text/xml' },
    },
    errors: ['missing_fields'],
    handle: timed('sms', async ({ body }, { inbound }) => {
      const result = await inbound.handle(parseInboundForm(body ?? {}));
      return new Reply(200, result.twiml, 'text/xml');
    }),
  });

export const webhookOperations = [
  receive('/twilio/sms', 'Incoming message webhook (Twilio)'),
  // The original route name, kept for existing Twilio number configurations.
  receive('/api/receive-sms', 'Incoming message webhook, original route name'),
  op({
    method: 'post',
    path: '/twilio/status',
    auth: 'twilio',
    tag: 'webhooks',
    summary: 'Message status callback (Twilio)',
    body: {
      type: 'application/x-www-form-urlencoded',
      schema: TwilioStatusForm,
      validate: false,
      example: { MessageSid: 'SM1a2b3c4d5e6f708192a3b4c5d6e7f809', MessageStatus: 'delivered' },
    },
    responses: { 204: { description: 'Recorded (statuses only move forward)' } },
    errors: ['missing_fields', 'database_unavailable'],
    handle: timed('status', async ({ body }, { status }) => {
      const form = parseStatusForm(body ?? {});
      await status.apply({
        messageSid: form.messageSid,
        status: form.status,
        errorCode: form.errorCode,
        to: form.to,
        from: form.from,
      });
      return new Reply(204);
    }),
  }),
];
