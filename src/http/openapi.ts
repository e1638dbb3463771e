// The OpenAPI 3.1 document, generated from the same zod schemas that validate requests.
import {
  OpenAPIRegistry,
  OpenApiGeneratorV31,
  type RouteConfig,
} from '@asteasolutions/zod-to-openapi';
import type { RequestHandler } from 'express';
import helmet from 'helmet';
import { z } from 'zod';
import * as s from './schemas';
import { ruleAnalyticsOpenApiPaths } from './ruleSchemas';
import { scheduleOpenApiPaths } from './scheduleSchemas';

type Method = RouteConfig['method'];

/**
 * Helmet's CSP for the Swagger UI page without `upgrade-insecure-requests`: over plain HTTP (a LAN,
 * a Docker host) that directive makes the browser fetch the page's own scripts over HTTPS, which
 * fails, and /docs stays blank. The rest of helmet's policy still applies.
 */
export const docsSecurityHeaders: RequestHandler = helmet.contentSecurityPolicy({
  directives: { upgradeInsecureRequests: null },
});

const json = (schema: z.ZodTypeAny, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});
const error = (description: string) => json(s.ErrorResponse, description);
/** What every admin operation can answer, whatever it does. */
const adminAccessErrors = {
  400: error('Malformed or invalid input'),
  401: error('No or wrong credentials'),
  403: error('https_required: in production the admin API answers over HTTPS only'),
  429: error('Too many failed login attempts'),
};
/** An admin operation that reads or writes the database also answers 503 while it is down. */
const adminErrors = {
  ...adminAccessErrors,
  503: error('database_unavailable: the database is unreachable; try again shortly'),
};
/** Every operation with a body answers these before its handler runs (body-parser, requireJson/requireForm). */
const bodyErrors = (mediaType: string) => ({
  413: error(
    mediaType === 'application/x-www-form-urlencoded'
      ? 'payload_too_large: the body is over BODY_LIMIT; too_many_parameters: over 200 form fields'
      : 'payload_too_large: the body is over BODY_LIMIT',
  ),
  415: error(`unsupported_media_type: the body is not ${mediaType}`),
});

const TwilioForm = z
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

export function buildOpenApiDocument(): ReturnType<OpenApiGeneratorV31['generateDocument']> {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'basicAuth', { type: 'http', scheme: 'basic' });
  const admin = [{ basicAuth: [] }];
  const add = (method: Method, path: string, config: Omit<RouteConfig, 'method' | 'path'>) => {
    const mediaType = Object.keys(config.request?.body?.content ?? {})[0];
    const responses = mediaType
      ? { ...bodyErrors(mediaType), ...config.responses }
      : config.responses;
    registry.registerPath({ method, path, ...config, responses });
  };

  for (const path of ['/twilio/sms', '/api/receive-sms']) {
    add('post', path, {
      summary:
        path === '/twilio/sms'
          ? 'Incoming message webhook (Twilio)'
          : 'Incoming message webhook, original route name',
      tags: ['webhooks'],
      description:
        'Signed by Twilio (X-Twilio-Signature). Answers TwiML; a retried MessageSid gets the first answer again.',
      request: {
        body: { content: { 'application/x-www-form-urlencoded': { schema: TwilioForm } } },
      },
      responses: {
        200: { description: 'TwiML reply', content: { 'text/xml': { schema: z.string() } } },
        400: error('From, To or MessageSid missing'),
        403: error('Missing or invalid signature'),
      },
    });
  }
  add('post', '/twilio/status', {
    summary: 'Message status callback (Twilio)',
    tags: ['webhooks'],
    request: {
      body: { content: { 'application/x-www-form-urlencoded': { schema: TwilioStatusForm } } },
    },
    responses: {
      204: { description: 'Recorded (statuses only move forward)' },
      400: error('MessageSid missing'),
      403: error('Missing or invalid signature'),
      503: error('database_unavailable: the database is unreachable; the status is not recorded'),
    },
  });

  add('post', '/api/messages', {
    summary: 'Send a message now',
    description:
      'With an Idempotency-Key, a repeat of the same request returns the first answer without sending again. ' +
      'A repeat after Twilio rejected the message (422, 409) gets the same error; a repeat after a 502 ' +
      '(Twilio not reached) tries again with the stored message.',
    tags: ['messages'],
    security: admin,
    request: {
      headers: z.object({ 'Idempotency-Key': z.string().optional() }),
      body: { content: { 'application/json': { schema: s.SendMessageRequest } } },
    },
    responses: {
      202: json(s.SendMessageResponse, 'Accepted by Twilio (or recorded as dry-run)'),
      ...adminErrors,
      409: error(
        'opted_out: recipient opted out; idempotency_key_reused: the key was used with another request; ' +
          'send_in_progress: the first request with this key is still sending (its outcome at Twilio is not known yet): ' +
          "repeat after the Retry-After header's seconds",
      ),
      422: error(
        'Rejected by Twilio (invalid number and the like), or template_render_failed: the template could not be rendered',
      ),
      502: error('Twilio failed or rejected our credentials'),
    },
  });
  add('get', '/api/messages', {
    summary: 'Messages, newest first, optionally in one status',
    description:
      'For operators: `status=unknown` lists sends whose attempt died while Twilio could not be asked ' +
      'whether they got there (they are asked again on every recovery pass); `status=sending` lists sends under way.',
    tags: ['messages'],
    security: admin,
    request: { query: s.MessageListQuery },
    responses: { 200: json(s.MessagePage, 'A page of messages'), ...adminErrors },
  });
  add('post', '/api/send-sms', {
    summary: 'Send a message (the original API)',
    tags: ['messages'],
    security: admin,
    request: { body: { content: { 'application/json': { schema: s.LegacySendRequest } } } },
    responses: {
      200: json(s.LegacySendResponse, 'Sent'),
      ...adminErrors,
      409: error('Recipient opted out'),
      422: error('Rejected by Twilio'),
      502: error('Twilio failed'),
    },
  });
  add('get', '/api/messages/{id}', {
    summary: 'One message',
    tags: ['messages'],
    security: admin,
    request: { params: s.IdParam },
    responses: {
      200: json(s.Message, 'The message'),
      ...adminErrors,
      404: error('No such message'),
    },
  });

  add('get', '/api/threads', {
    summary: 'Threads, newest first',
    tags: ['threads'],
    security: admin,
    request: { query: s.ThreadListQuery },
    responses: { 200: json(s.ThreadPage, 'A page of threads'), ...adminErrors },
  });
  add('get', '/api/threads/{phone}', {
    summary: "A contact's thread with its recent messages",
    tags: ['threads'],
    security: admin,
    request: { params: s.PhoneParam, query: s.ThreadQuery },
    responses: {
      200: json(s.ThreadWithMessages, 'The thread'),
      ...adminErrors,
      404: error('No thread with this number'),
    },
  });
  add('get', '/api/threads/{phone}/messages', {
    summary: "A thread's messages, newest first",
    tags: ['threads'],
    security: admin,
    // The route's own query schema: a page, and `number` as on /api/threads/{phone}.
    request: {
      params: s.PhoneParam,
      query: s.PageQuery.extend({ number: s.ThreadQuery.shape.number }),
    },
    responses: {
      200: json(s.MessagePage, 'A page of messages'),
      ...adminErrors,
      404: error('No thread with this number'),
    },
  });

  add('get', '/api/rules', {
    summary: 'The loaded rules, their version and the last load error',
    tags: ['rules'],
    security: admin,
    responses: { 200: json(s.RulesStatus, 'Rules status'), ...adminAccessErrors },
  });
  add('post', '/api/rules/reload', {
    summary: 'Reload rules and templates now',
    tags: ['rules'],
    security: admin,
    responses: {
      200: json(s.RulesStatus, 'Loaded'),
      ...adminAccessErrors,
      422: json(
        s.RulesStatus,
        'Not loaded: errors listed in lastError; the last good set stays in force',
      ),
    },
  });
  add('post', '/api/rules/test', {
    summary: 'Run one message through the rules without side effects',
    tags: ['rules'],
    security: admin,
    request: { body: { content: { 'application/json': { schema: s.RuleTestRequest } } } },
    responses: {
      200: json(s.RuleTestResponse, 'What the bot would do'),
      ...adminAccessErrors,
      503: error('No rules loaded'),
    },
  });

  ruleAnalyticsOpenApiPaths(add, { admin, json, error, adminErrors });
  scheduleOpenApiPaths(add, { admin, json, error, adminErrors });

  add('get', '/console', {
    summary: 'The web console (HTML; its scripts and styles are under /console/assets/)',
    tags: ['console'],
    security: admin,
    responses: {
      200: { description: 'HTML page', content: { 'text/html': { schema: z.string() } } },
      ...adminAccessErrors,
    },
  });
  add('get', '/console/events', {
    summary: 'Live events for the console (server-sent events)',
    tags: ['console'],
    security: admin,
    description:
      'A `text/event-stream` that stays open: `event: inbound` with `{contact, number, at, kind, rule}` for each inbound message this instance stored, and a comment every 25 s to keep it open. EventSource reconnects by itself; events missed meanwhile are not replayed, so reload what you show on (re)connection.',
    responses: {
      200: {
        description: 'The event stream',
        content: { 'text/event-stream': { schema: z.string() } },
      },
      ...adminAccessErrors,
    },
  });

  add('get', '/health', {
    summary: 'Health of this instance',
    tags: ['operations'],
    responses: { 200: json(s.Health, 'Healthy'), 503: json(s.Health, 'Database unreachable') },
  });
  add('get', '/metrics', {
    summary: 'Prometheus metrics',
    tags: ['operations'],
    responses: {
      200: {
        description: 'Prometheus text format',
        content: { 'text/plain': { schema: z.string() } },
      },
    },
  });
  add('get', '/openapi.json', {
    summary: 'This document',
    tags: ['operations'],
    responses: { 200: { description: 'OpenAPI 3.1 JSON' } },
  });
  add('get', '/docs', {
    summary: 'Swagger UI for this document',
    tags: ['operations'],
    responses: { 200: { description: 'HTML page' } },
  });

  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'ReplyBot',
      version: '0.1.0',
      description:
        'Rule-driven SMS auto-responder for Twilio. Admin routes use HTTP Basic Auth; errors are `{"error": {"code", "message", "details"?}}`.',
    },
  });
}

export type OpenApiAdd = (
  method: Method,
  path: string,
  config: Omit<RouteConfig, 'method' | 'path'>,
) => void;
export interface OpenApiHelpers {
  admin: { basicAuth: string[] }[];
  json: typeof json;
  error: typeof error;
  adminErrors: typeof adminErrors;
}
