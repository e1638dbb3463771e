// Helpers for the template tests: a store from in-memory files and a realistic context.
import {
  buildTemplateContext,
  buildTemplateStore,
  type TemplateContext,
  type TemplateContextInput,
  type TemplateFile,
  type TemplateStore,
} from '../../../src/templates';

/** `{ 'hours': '…', 'partials/signature': '…' }` → a store; throws with the errors if it fails. */
export function storeOf(
  sources: Record<string, string> = {},
  defaultTimezone = 'UTC',
): TemplateStore {
  const built = buildTemplateStore(filesOf(sources), { defaultTimezone });
  if (!built.ok) throw new Error(`store did not build: ${JSON.stringify(built.errors)}`);
  return built.store;
}

export function filesOf(sources: Record<string, string>): TemplateFile[] {
  return Object.entries(sources).map(([name, content]) => ({
    path: `templates/${name}.hbs`,
    name,
    content,
  }));
}

export function contextWith(overrides: Partial<TemplateContextInput> = {}): TemplateContext {
  return buildTemplateContext({
    message: { body: 'hi', from: '+14155550123', to: '+14155550100', media: [] },
    contact: { phone: '+14155550123' },
    now: new Date('2024-07-01T12:05:09Z'),
    ...overrides,
  });
}

/** A context whose `vars` are the given values. */
export function withVars(vars: Record<string, unknown>, now?: Date): TemplateContext {
  return contextWith({
    contact: { phone: '+14155550123', vars },
    ...(now ? { now } : {}),
  });
}
