// Operations (no auth): /health, /metrics, this API's document and its Swagger UI; and the console's
// page and event stream, served by console/router.ts and documented here.
import { z } from 'zod';
import { pingDatabase } from '../../db/connection';
import type { HttpContext } from '../context';
import { Reply, operation } from '../operation';

export const Health = z
  .object({
    status: z.enum(['ok', 'unavailable']),
    db: z.enum(['up', 'down']),
    rules: z.object({
      loaded: z.boolean(),
      version: z.string().nullable(),
      count: z.number(),
      error: z.boolean(),
    }),
    twilio: z.enum(['twilio', 'dry-run']),
    uptime: z.number(),
  })
  .openapi('Health');

export interface OperationsDeps {
  ctx: HttpContext;
  /** The OpenAPI document, built once. */
  document: unknown;
}

const op = operation<OperationsDeps>();

export const operationsOperations = [
  op({
    method: 'get',
    path: '/health',
    auth: 'none',
    tag: 'operations',
    summary: 'Health of this instance',
    responses: {
      200: { description: 'Healthy', schema: Health },
      503: { description: 'Database unreachable', schema: Health },
    },
    handle: async (_input, { ctx }) => {
      const dbUp = await pingDatabase(ctx.connection);
      return new Reply(dbUp ? 200 : 503, {
        status: dbUp ? 'ok' : 'unavailable',
        db: dbUp ? 'up' : 'down',
        rules: ctx.health.rules(),
        twilio: ctx.health.twilioMode(),
        uptime: Math.round((ctx.clock.now().getTime() - ctx.startedAt.getTime()) / 1000),
      });
    },
  }),
  op({
    method: 'get',
    path: '/metrics',
    auth: 'none',
    tag: 'operations',
    summary: 'Prometheus metrics',
    responses: {
      200: { description: 'Prometheus text format', schema: z.string(), contentType: 'text/plain' },
    },
    handle: async (_input, { ctx }) =>
      new Reply(200, await ctx.metrics.render(), ctx.metrics.registry.contentType),
  }),
  op({
    method: 'get',
    path: '/openapi.json',
    auth: 'none',
    tag: 'operations',
    summary: 'This document',
    responses: { 200: { description: 'OpenAPI 3.1 JSON' } },
    handle: (_input, { document }) => document,
  }),
  // Served by swagger-ui-express, mounted in app.ts.
  op({
    method: 'get',
    path: '/docs',
    auth: 'none',
    tag: 'operations',
    summary: 'Swagger UI for this document',
    responses: { 200: { description: 'HTML page', schema: z.string(), contentType: 'text/html' } },
  }),
  // Served by console/router.ts behind the same Basic Auth as the admin API.
  op({
    method: 'get',
    path: '/console',
    auth: 'admin',
    tag: 'console',
    summary: 'The web console (HTML; its scripts and styles are under /console/assets/)',
    readsDatabase: false,
    responses: { 200: { description: 'HTML page', schema: z.string(), contentType: 'text/html' } },
  }),
  op({
    method: 'get',
    path: '/console/events',
    auth: 'admin',
    tag: 'console',
    summary: 'Live events for the console (server-sent events)',
    description:
      'A `text/event-stream` that stays open: `event: inbound` with `{contact, number, at, kind, rule}` for each inbound message this instance stored, and a comment every 25 s to keep it open. EventSource reconnects by itself; events missed meanwhile are not replayed, so reload what you show on (re)connection.',
    readsDatabase: false,
    responses: {
      200: {
        description: 'The event stream',
        schema: z.string(),
        contentType: 'text/event-stream',
      },
    },
  }),
];
