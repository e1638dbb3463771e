// One message through the rules and templates, without side effects: what the bot would do.
// The webhook applies the outcome (conversations/threadState.ts applyOutcome, then the store); the
// test endpoint and the CLI only show it.
import { applyOutcome, type ThreadState } from '../conversations/threadState';
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
  schedule: { at: Date; template?: string; body?: string; state?: string | null } | null;
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

/** A message as the webhook, the outage journal and stored history hold it. */
export interface ReceivedMessage {
  body: string;
  from: string;
  to: string;
  media: { url: string; contentType?: string | null }[];
}

/** evaluate() for a message on a thread as the conversation code keeps it (ThreadState). */
export function evaluateOn(
  content: BotContentSnapshot,
  thread: ThreadState,
  message: ReceivedMessage,
  now: Date,
): Outcome {
  return evaluate(content, {
    message: {
      body: message.body,
      from: message.from,
      to: message.to,
      media: message.media.map((m) => ({ url: m.url, contentType: m.contentType ?? undefined })),
    },
    // The rules count the messages the contact sent before this one.
    thread: { ...thread, messageCount: thread.inboundCount },
    now,
  });
}

export function evaluate(content: BotContentSnapshot, input: EvaluateInput): Outcome {
  const { message, now } = input;
  const { state, vars, tags, messageCount, optedOut, firstSeen } = input.thread;
  const thread: ThreadState = {
    state,
    vars,
    tags,
    inboundCount: messageCount,
    optedOut,
    firstSeen,
  };
  // Inside the try: a rule that fails to decide is answered like one that fails to render.
  let decision: Decision | null = null;
  const contextFor = (contact: ThreadState) =>
    buildTemplateContext({
      message,
      contact: {
        phone: message.from,
        vars: contact.vars,
        tags: contact.tags,
        state: contact.state,
        firstSeen: contact.firstSeen ?? now,
        // Messages from the contact, this one included.
        messageCount: contact.inboundCount,
      },
      match: decision?.match ?? {},
      now,
      rule: decision?.rule ?? null,
    });
  // The thread with this message counted, before the rule's actions.
  const counted = applyOutcome(thread, null, now).thread;

  try {
    const d = decide(content.ruleSet, message, input.thread, now);
    decision = d;
    // `set` is rendered first and the reply sees its result ("Nice to meet you, {{vars.name}}").
    const before = contextFor(counted);
    const set: Record<string, string> = {};
    for (const [name, source] of Object.entries(d.set)) {
      set[name] = content.templates.renderInline(source, before).trim();
    }
    const effect = {
      set,
      state: d.state,
      tags: d.tags,
      optOut: d.kind === 'opt_out',
      optIn: d.kind === 'opt_in',
    };
    const after = contextFor(applyOutcome(thread, effect, now).thread);

    const replies: Outcome['replies'] = [];
    if (d.reply) {
      const body =
        d.reply.template !== undefined
          ? content.templates.render(d.reply.template, after)
          : content.templates.renderInline(d.reply.text ?? '', after);
      const trimmed = body.trim();
      // Media URLs are templates too ("https://…/{{vars.size}}.png"); one rendering empty is left out.
      const media = d.reply.media
        .map((source) => content.templates.renderInline(source, after).trim())
        .filter((url) => url !== '');
      if (trimmed || media.length) replies.push({ body: trimmed, media });
    }
    const schedule = d.schedule
      ? {
          at: new Date(now.getTime() + d.schedule.inMs),
          template: d.schedule.template,
          body:
            d.schedule.text !== undefined
              ? content.templates.renderInline(d.schedule.text, after).trim()
              : undefined,
          ...(d.schedule.state === undefined ? {} : { state: d.schedule.state }),
        }
      : null;
    return {
      kind: d.kind,
      rule: d.rule,
      match: d.match,
      replies,
      twiml: buildTwiml(replies),
      ...effect,
      schedule,
      error: null,
    };
  } catch (err) {
    // One bad rule or template must not break the conversation: answer with the fallback, or
    // nothing, and apply none of the rule's actions (a compliance decision still counts).
    const error = (err as Error).message;
    let replies: Outcome['replies'] = [];
    if (content.templates.has(FALLBACK_TEMPLATE)) {
      try {
        replies = [
          {
            body: content.templates.render(FALLBACK_TEMPLATE, contextFor(counted)).trim(),
            media: [],
          },
        ];
      } catch {
        replies = [];
      }
    }
    return {
      kind: decision?.kind ?? 'none',
      rule: decision?.rule ?? null,
      match: decision?.match ?? {},
      replies,
      twiml: buildTwiml(replies),
      set: {},
      state: undefined,
      tags: { add: [], remove: [] },
      schedule: null,
      optOut: decision?.kind === 'opt_out',
      optIn: decision?.kind === 'opt_in',
      error,
    };
  }
}
