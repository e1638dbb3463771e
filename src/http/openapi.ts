// The OpenAPI 3.1 document, built from the route table: each operation's schemas, its success
// responses, and its error responses with the codes of the error catalogue it can answer.
import {
  OpenAPIRegistry,
  OpenApiGeneratorV31,
  type ResponseConfig,
  type RouteConfig,
} from '@asteasolutions/zod-to-openapi';
import type { RequestHandler } from 'express';
import helmet from 'helmet';
import { z } from 'zod';
import { ERROR_CATALOGUE, type ErrorCode } from '../errors';
import { ErrorResponse } from './fields';
import { errorCodes, type ResponseSpec } from './operation';
import { OPERATIONS, type AnyOperation } from './routes';

/**
 * Helmet's CSP for the Swagger UI page without `upgrade-insecure-requests`: over plain HTTP (a LAN,
 * a Docker host) that directive makes the browser fetch the page's own scripts over HTTPS, which
 * fails, and /docs stays blank. The rest of helmet's policy still applies.
 */
export const docsSecurityHeaders: RequestHandler = helmet.contentSecurityPolicy({
  directives: { upgradeInsecureRequests: null },
});

function successResponse(spec: ResponseSpec): ResponseConfig {
  if (!spec.schema) return { description: spec.description };
  return {
    description: spec.description,
    content: { [spec.contentType ?? 'application/json']: { schema: spec.schema } },
  };
}

/** One error response per status: its codes, each with the catalogue's message. */
export function errorResponses(codes: ErrorCode[]): Record<number, ResponseConfig> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) {
    const { status } = ERROR_CATALOGUE[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const responses: Record<number, ResponseConfig> = {};
  for (const [status, list] of byStatus) {
    responses[status] = {
      description: list.map((code) => `\`${code}\`: ${ERROR_CATALOGUE[code].message}`).join('; '),
      content: { 'application/json': { schema: ErrorResponse } },
      // The codes as data, for clients and for the document's own test.
      'x-error-codes': list,
    } as ResponseConfig;
  }
  return responses;
}

function routeConfig(op: AnyOperation): RouteConfig {
  const request: RouteConfig['request'] = {};
  if (op.params) request.params = op.params as z.ZodObject;
  if (op.query) request.query = op.query as z.ZodObject;
  if (op.headers) request.headers = op.headers;
  if (op.body) {
    request.body = {
      content: {
        [op.body.type]: {
          schema: op.body.schema as z.ZodTypeAny,
          ...(op.body.example === undefined ? {} : { example: op.body.example }),
        },
      },
    };
  }
  const responses: Record<number, ResponseConfig> = errorResponses(errorCodes(op));
  for (const [status, spec] of Object.entries(op.responses))
    responses[Number(status)] = successResponse(spec);
  return {
    method: op.method,
    path: op.path,
    summary: op.summary,
    description: op.description,
    tags: [op.tag],
    security: op.auth === 'admin' ? [{ basicAuth: [] }] : undefined,
    request,
    responses,
  };
}

export function buildOpenApiDocument(
  operations: readonly AnyOperation[] = OPERATIONS,
): ReturnType<OpenApiGeneratorV31['generateDocument']> {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'basicAuth', { type: 'http', scheme: 'basic' });
  registry.register('Error', ErrorResponse);
  for (const op of operations) registry.registerPath(routeConfig(op));
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'ReplyBot',
      version: '0.1.0',
      description:
        'Rule-driven SMS auto-responder for Twilio. Admin routes use HTTP Basic Auth; errors are `{"error": {"code", "message", "details"?}}`, the code one of those each operation lists (x-error-codes) from the error catalogue.',
    },
  });
}
