// The errors the template module throws; callers map them (the inbound pipeline to its fallback reply).

/** A template could not be rendered: unknown name, bad inline source, or a helper that failed. */
export class TemplateRenderError extends Error {
  readonly code = 'template_render_failed';

  constructor(
    /** The template's name, or null for an inline template from a rule. */
    readonly templateName: string | null,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'TemplateRenderError';
  }
}
