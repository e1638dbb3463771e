// One HTTP operation declared once (method, path, auth, input and response schemas, errors, handler):
// express routes are mounted from these declarations and the OpenAPI document is built from them.
import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { Router, type Request, type RequestHandler, type Response } from 'express';
import { z } from 'zod';
import type { ErrorCode } from '../errors';
import { requireJson } from './middleware/requireJson';
import { parseInput } from './validate';

extendZodWithOpenApi(z);

/** Who may call: the admins (HTTP Basic Auth), Twilio (X-Twilio-Signature), or anyone. */
export type Auth = 'admin' | 'twilio' | 'none';

export type BodyType = 'application/json' | 'application/x-www-form-urlencoded';

export interface ResponseSpec {
  description: string;
  schema?: z.ZodTypeAny;
  /** Default application/json when there is a schema. */
  contentType?: string;
}

type AnySchema = z.ZodTypeAny;
type Infer<S> = S extends z.ZodTypeAny ? z.infer<S> : undefined;

export interface OperationInput<P, Q, B> {
  params: Infer<P>;
  query: Infer<Q>;
  body: Infer<B>;
}

export interface Operation<D = never, P = unknown, Q = unknown, B = unknown> {
  method: 'get' | 'post' | 'patch' | 'delete';
  /** OpenAPI form: `/api/messages/{id}`. */
  path: string;
  auth: Auth;
  summary: string;
  description?: string;
  tag: string;
  params?: P;
  query?: Q;
  /** Documented request headers (the handler reads them). */
  headers?: z.ZodObject;
  body?: {
    type: BodyType;
    schema: B;
    /** False when the handler parses the body itself (Twilio's forms, read defensively). */
    validate?: boolean;
    /** A request body the document shows; the OpenAPI test checks that it passes `schema`. */
    example?: unknown;
  };
  /** The success answers; the first is what a handler's plain return value is sent as. */
  responses: Record<number, ResponseSpec>;
  /**
   * The codes of the error catalogue this operation's handler can answer. Those of its auth, its
   * body and its validation are added by `errorCodes`.
   */
  errors?: ErrorCode[];
  /** Admin operations answer 503 database_unavailable unless they never read the database. */
  readsDatabase?: boolean;
  /**
   * Reads the validated input, calls one service, returns what to answer: a plain value (sent as
   * the first declared response) or a `Reply`. Absent for a route mounted elsewhere (the console,
   * Swagger UI), which is documented here only.
   */
  handle?: (
    input: OperationInput<P, Q, B>,
    deps: D,
    req: Request,
    res: Response,
  ) => unknown | Promise<unknown>;
}

/** An answer other than the operation's first declared response: another status or media type. */
export class Reply {
  constructor(
    readonly status: number,
    readonly body?: unknown,
    readonly contentType?: string,
  ) {}
}

/** Declares an operation whose handler needs `D`, inferring its schemas' types. */
export function operation<D>() {
  return <P extends AnySchema | undefined, Q extends AnySchema | undefined, B = undefined>(
    op: Operation<D, P, Q, B extends AnySchema ? B : undefined> & { body?: { schema: B } },
  ): Operation<D, P, Q, B extends AnySchema ? B : undefined> => op;
}

/** Every error code an operation can answer: its own, and those of its auth, body and validation. */
export function errorCodes(op: Operation<never, unknown, unknown, unknown>): ErrorCode[] {
  const codes: ErrorCode[] = [];
  const validates = op.params || op.query || (op.body && op.body.validate !== false);
  if (validates) codes.push('validation_failed');
  if (op.body?.type === 'application/json') codes.push('malformed_json');
  if (op.auth === 'admin')
    codes.push('unauthorized', 'invalid_credentials', 'https_required', 'too_many_failed_logins');
  if (op.auth === 'twilio')
    codes.push('twilio_auth_token_missing', 'twilio_signature_missing', 'twilio_signature_invalid');
  if (op.body) codes.push('payload_too_large', 'unsupported_media_type');
  if (op.body?.type === 'application/x-www-form-urlencoded') codes.push('too_many_parameters');
  codes.push(...(op.errors ?? []));
  if (op.auth === 'admin' && op.readsDatabase !== false) codes.push('database_unavailable');
  return [...new Set(codes)];
}

/** Express's spelling of an OpenAPI path: `/api/messages/{id}` → `/api/messages/:id`. */
export function expressPath(path: string): string {
  return path.replace(/\{(\w+)\}/g, ':$1');
}

/**
 * What runs before the handlers of Twilio's webhooks (form parsing, the signature check) and of
 * open routes. Admin operations have no guard here: they live under /api, where the app checks the
 * credentials (and parses JSON) for every path, so an unknown /api path is a 401 before a 404.
 */
export interface Guards {
  twilio?: RequestHandler[];
  none?: RequestHandler[];
}

/** A router serving `operations` with `deps`. */
export function mountOperations<D>(
  operations: readonly Operation<D, unknown, unknown, unknown>[],
  deps: D,
  guards: Guards = {},
): Router {
  const router = Router();
  for (const op of operations) {
    if (!op.handle) continue;
    const handle = op.handle;
    const [successStatus, success] = Object.entries(op.responses)[0];
    const run: RequestHandler = async (req, res) => {
      const input = {
        params: op.params
          ? parseInput(op.params as AnySchema, req.params, 'path parameter')
          : undefined,
        query: op.query ? parseInput(op.query as AnySchema, req.query, 'query') : undefined,
        body:
          op.body && op.body.validate !== false
            ? parseInput(op.body.schema as AnySchema, req.body)
            : req.body,
      };
      const result = await handle(input as never, deps, req, res);
      if (res.headersSent) return;
      const reply =
        result instanceof Reply
          ? result
          : new Reply(Number(successStatus), result, success.contentType);
      res.status(reply.status);
      if (reply.body === undefined) res.end();
      else if (reply.contentType) res.type(reply.contentType).send(reply.body);
      else res.json(reply.body);
    };
    router[op.method](expressPath(op.path), ...guardsOf(op, guards), run);
  }
  return router;
}

function guardsOf(op: Operation<never, unknown, unknown, unknown>, guards: Guards) {
  const name = `${op.method.toUpperCase()} ${op.path}`;
  if (op.auth === 'admin') {
    if (!op.path.startsWith('/api/')) throw new Error(`${name}: admin operations live under /api/`);
    return op.body?.type === 'application/json' ? [requireJson] : [];
  }
  const list = guards[op.auth];
  if (!list) throw new Error(`${name}: no ${op.auth} guard given`);
  return list;
}
