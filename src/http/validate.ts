// Validation at the edge: a zod schema turns untrusted input into a typed value, or a 400 naming each field at fault.
import type { z } from 'zod';
import { ValidationError } from '../errors';

export interface FieldProblem {
  field: string;
  message: string;
}

export function parseInput<S extends z.ZodType>(
  schema: S,
  input: unknown,
  what = 'request body',
): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const details: FieldProblem[] = result.error.issues.map((issue) => ({
    field: issue.path.length ? issue.path.map(String).join('.') : '(root)',
    message: issue.message,
  }));
  const first = details[0];
  throw new ValidationError(`Invalid ${what}: ${first.field}: ${first.message}`, details);
}
