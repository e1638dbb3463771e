// One message through the rules and templates, without side effects: what the bot would do.
// The webhook applies the outcome; the test endpoint and the CLI only show it.
import { decide, type Decision, type InboundForMatching, type ThreadSnapshot } from '../rules';
import { buildTemplateContext, buildTwiml } from '../templates';
import type { BotContentSnapshot } from './botContent';

export interface Outcome {
  kind: Decision['kind'];
  rule: { id: string; description?: string } | null;
  match: Record<string, string>;
  replies: { body: string; media: string[] }[];
  twiml: string;
  /** Rendered `set` values. */
  set: Record<string, string>;
  /** undefined = unchanged, null = cleared. */
  state?: string | null;
  tags: { add: string[]; remove: string[] };
  /**
   * The follow-up to schedule, resolved to a time. An inline `text` is rendered now, with this
   * message's context, into `body`; a named `template` is rendered when the follow-up is sent.
   */
  schedule: { at: Date; template?: string; body?: string } | null;
  optOut: boolean;
  optIn: boolean;
  /** Set when a template failed and the fallback was used instead. */
  error: string | null;
}

export interface EvaluateInput {
  message: InboundForMatching;
  thread: ThreadSnapshot & { firstSeen: Date | null };
  now: Date;
}

/** The template used when a rule's reply fails to render. */
export const FALLBACK_TEMPLATE = 'fallback';

export function evaluate(content: BotContentSnapshot, input: EvaluateInput): Outcome {
  const { message, thread, now } = input;
  const decision = decide(content.ruleSet, message, thread, now);
  const base = {
    kind: decision.kind,
    rule: decision.rule,
    match: decision.match,
    tags: decision.tags,
    optOut: decision.kind === 'opt_out',
    optIn: decision.kind === 'opt_in',
  };
  const contextFor = (vars: Record<string, unknown>, state: string | null, tags: string[]) =>
    buildTemplateContext({
      message,
      contact: {
        phone: message.from,
        vars,
        tags,
        state,
        firstSeen: thread.firstSeen ?? now,
        // Messages from the contact, this one included.
        messageCount: thread.messageCount + 1,
      },
      match: decision.match,
      now,
      rule: decision.rule,
    });

  try {
    // `set` is rendered first and the reply sees its result ("Nice to meet you, {{vars.name}}").
    const before = contextFor(thread.vars, thread.state, thread.tags);
    const set: Record<string, string> = {};
    for (const [name, source] of Object.entries(decision.set)) {
      set[name] = content.templates.renderInline(source, before).trim();
    }
    const state = decision.state === undefined ? thread.state : decision.state;
    const tags = [...new Set([...thread.tags, ...decision.tags.add])].filter(
      (t) => !decision.tags.remove.includes(t),
    );
    const after = contextFor({ ...thread.vars, ...set }, state, tags);

    const replies: Outcome['replies'] = [];
    if (decision.reply) {
      const body =
        decision.reply.template !== undefined
          ? content.templates.render(decision.reply.template, after)
          : content.templates.renderInline(decision.reply.text ?? '', after);
      const trimmed = body.trim();
      if (trimmed || decision.reply.media.length)
        replies.push({ body: trimmed, media: decision.reply.media });
    }
    const schedule = decision.schedule
      ? {
          at: new Date(now.getTime() + decision.schedule.inMs),
          template: decision.schedule.template,
          body:
            decision.schedule.text !== undefined
              ? content.templates.renderInline(decision.schedule.text, after).trim()
              : undefined,
        }
      : null;
    return {
      ...base,
      replies,
      twiml: buildTwiml(replies),
      set,
      state: decision.state,
      schedule,
      error: null,
    };
  } catch (err) {
    // One bad template must not break the conversation: answer with the fallback, or nothing.
    const error = (err as Error).message;
    let replies: Outcome['replies'] = [];
    if (content.templates.has(FALLBACK_TEMPLATE)) {
      try {
        replies = [
          {
            body: content.templates
              .render(FALLBACK_TEMPLATE, contextFor(thread.vars, thread.state, thread.tags))
              .trim(),
            media: [],
          },
        ];
      } catch {
        replies = [];
      }
    }
    return {
      ...base,
      replies,
      twiml: buildTwiml(replies),
      set: {},
      state: undefined,
      tags: { add: [], remove: [] },
      schedule: null,
      optOut: base.optOut,
      optIn: base.optIn,
      error,
    };
  }
}
