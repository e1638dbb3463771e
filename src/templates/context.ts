// What a reply template can see: the message, the contact, the match, the time and the rule.

/** The variables editors use in templates (SPEC §6); these names are a contract with them. */
export interface TemplateContext {
  message: {
    body: string;
    from: string;
    to: string;
    /** Media URLs of an MMS, in the order Twilio sent them. */
    media: string[];
  };
  contact: {
    phone: string;
    vars: Record<string, unknown>;
    tags: string[];
    state: string | null;
    firstSeen: Date;
    messageCount: number;
  };
  /** Regex named groups, `number`, `keyword`: whatever the matching rule captured. */
  match: Record<string, string>;
  /** Shortcut for `contact.vars`. */
  vars: Record<string, unknown>;
  now: Date;
  rule: { id: string; description: string | null } | null;
}

export interface TemplateContextInput {
  /** Absent for messages we start (scheduled or sent over the API): every field is then "". */
  message?: {
    body?: string;
    from?: string;
    to?: string;
    /** URLs, or Twilio media entries as the rule engine holds them. */
    media?: readonly (string | { url: string })[];
  };
  contact: {
    phone: string;
    vars?: Record<string, unknown>;
    tags?: readonly string[];
    state?: string | null;
    /** Defaults to `now`: a contact we have no record of is first seen now. */
    firstSeen?: Date;
    messageCount?: number;
  };
  match?: Record<string, string>;
  now: Date;
  rule?: { id: string; description?: string | null } | null;
}

/**
 * Fills every field, so a template never meets a missing object (`{{contact.state}}` on a new
 * contact renders "" rather than failing), and copies what it is given, so rendering cannot
 * change a caller's thread.
 */
export function buildTemplateContext(input: TemplateContextInput): TemplateContext {
  const vars = { ...(input.contact.vars ?? {}) };
  return {
    message: {
      body: input.message?.body ?? '',
      from: input.message?.from ?? '',
      to: input.message?.to ?? '',
      media: (input.message?.media ?? []).map((item) =>
        typeof item === 'string' ? item : item.url,
      ),
    },
    contact: {
      phone: input.contact.phone,
      vars,
      tags: [...(input.contact.tags ?? [])],
      state: input.contact.state ?? null,
      firstSeen: input.contact.firstSeen ?? input.now,
      messageCount: input.contact.messageCount ?? 0,
    },
    match: { ...(input.match ?? {}) },
    vars,
    now: input.now,
    rule: input.rule ? { id: input.rule.id, description: input.rule.description ?? null } : null,
  };
}
