// The OpenAPI document, checked as a document: built from the route table, every operation lists
// its answers, every error answer names codes of the error catalogue with their status, and the
// examples it shows pass the schemas that validate requests.
import type { z } from 'zod';
import { ERROR_CATALOGUE, isErrorCode } from '../../src/errors';
import { buildOpenApiDocument } from '../../src/http/openapi';
import { OPERATIONS } from '../../src/http/routes';

interface DocOperation {
  parameters?: { name: string; in: string }[];
  requestBody?: { content: Record<string, { example?: unknown }> };
  responses: Record<
    string,
    {
      description: string;
      content?: Record<string, { schema: { $ref?: string } }>;
      'x-error-codes'?: string[];
    }
  >;
  security?: unknown[];
}

const doc = buildOpenApiDocument() as unknown as {
  openapi: string;
  paths: Record<string, Record<string, DocOperation>>;
  components: { schemas: Record<string, unknown> };
};
const operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
  Object.entries(ops).map(([method, op]) => [`${method} ${path}`, op] as const),
);

describe('the OpenAPI document', () => {
  it('is OpenAPI 3.1 with one operation per entry of the route table', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(operations.map(([name]) => name).sort()).toEqual(
      OPERATIONS.map((o) => `${o.method} ${o.path}`).sort(),
    );
    expect(new Set(operations.map(([name]) => name)).size).toBe(OPERATIONS.length);
  });

  it.each(operations)('%s: a success answer, and each path parameter declared', (name, op) => {
    expect(Object.keys(op.responses).some((s) => /^2\d\d$/.test(s))).toBe(true);
    const path = name.slice(name.indexOf(' ') + 1);
    const inPath = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    const declared = (op.parameters ?? [])
      .filter((p) => p.in === 'path')
      .map((p) => p.name)
      .sort();
    expect(declared).toEqual(inPath);
  });

  it.each(operations)(
    '%s: every error answer names codes of the catalogue, with its status',
    (_n, op) => {
      for (const [status, response] of Object.entries(op.responses)) {
        if (Number(status) < 400) continue;
        const codes = response['x-error-codes'] ?? [];
        // /health answers 503 with its own body; every other error answer is the error shape.
        if (_n === 'get /health') continue;
        expect(codes.length).toBeGreaterThan(0);
        for (const code of codes) {
          expect(isErrorCode(code)).toBe(true);
          if (isErrorCode(code)) expect(ERROR_CATALOGUE[code].status).toBe(Number(status));
          expect(response.description).toContain(`\`${code}\``);
        }
        expect(response.content?.['application/json'].schema.$ref).toBe(
          '#/components/schemas/Error',
        );
      }
    },
  );

  it('lists the errors every admin operation, body and webhook can answer', () => {
    for (const [name, op] of operations) {
      const codes = Object.values(op.responses).flatMap((r) => r['x-error-codes'] ?? []);
      if (op.security?.length)
        expect([name, codes]).toEqual([
          name,
          expect.arrayContaining(['unauthorized', 'invalid_credentials', 'too_many_failed_logins']),
        ]);
      if (op.requestBody)
        expect([name, codes]).toEqual([
          name,
          expect.arrayContaining(['payload_too_large', 'unsupported_media_type']),
        ]);
      if (name.includes('/twilio/') || name.endsWith('/receive-sms'))
        expect([name, codes]).toEqual([
          name,
          expect.arrayContaining(['twilio_signature_invalid', 'twilio_auth_token_missing']),
        ]);
    }
  });

  it('names the handlers own codes: 404s, 409s and 422s where they happen', () => {
    const codesOf = (name: string) =>
      Object.values(Object.fromEntries(operations)[name].responses).flatMap(
        (r) => r['x-error-codes'] ?? [],
      );
    expect(codesOf('get /api/threads/{phone}')).toContain('thread_not_found');
    expect(codesOf('patch /api/schedules/{id}')).toEqual(
      expect.arrayContaining(['schedule_not_found', 'schedule_not_editable']),
    );
    expect(codesOf('post /api/messages')).toEqual(
      expect.arrayContaining(['opted_out', 'send_in_progress', 'invalid_recipient']),
    );
    expect(codesOf('post /api/rules/reload')).toContain('rules_invalid');
  });

  it.each(OPERATIONS.filter((o) => o.body).map((o) => [`${o.method} ${o.path}`, o] as const))(
    '%s: shows a request example that its schema accepts',
    (name, op) => {
      const shown = doc.paths[op.path][op.method].requestBody?.content[op.body!.type].example;
      expect([name, shown]).toEqual([name, expect.anything()]);
      const result = (op.body!.schema as z.ZodTypeAny).safeParse(shown);
      expect([name, result.success ? 'valid' : result.error.issues]).toEqual([name, 'valid']);
    },
  );
});
