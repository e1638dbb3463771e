// Checks every rule's `examples` (for `replybot rules test` and the rules API): each example must
// be answered by its own rule, i.e. match it and no earlier rule, compliance keywords included.

import { allHold } from './conditions';
import type { Condition, LocalTimeFn, MatchContext } from './conditions';
import { decideWith } from './decide';
import { normalizeBody } from './normalize';
import { isValidTimeZone } from '../timeZone';
import { localTimeAt } from './time';
import type {
  CompiledRule,
  DecisionKind,
  InboundForMatching,
  RuleSet,
  ThreadSnapshot,
} from './types';

export interface ExampleResult {
  ruleId: string;
  example: string;
  ok: boolean;
  /** The id of the rule that answered, or null (no rule, or a compliance keyword: see `kind`). */
  matched: string | null;
  kind: DecisionKind;
  /** The setting the example was sent in (see runExamples), so a caller can render the reply. */
  message: InboundForMatching;
  thread: ThreadSnapshot;
  now: Date;
}

// Fictional numbers (555-01xx is reserved for fiction in the North American plan).
const DEFAULT_FROM = '+15555550100';
const DEFAULT_TO = '+15555550199';
const EXAMPLE_MEDIA = { url: 'https://example.com/example.jpg', contentType: 'image/jpeg' };
// Search start for a moment satisfying time conditions: Monday 2024-01-01 00:00 UTC.
const SEARCH_FROM = Date.UTC(2024, 0, 1);
const DAY_MS = 86_400_000;

/**
 * Examples are text, but a rule may also require a sender, a state, media, a first message or a
 * time. Each example is therefore sent in a setting synthesised from that rule's TOP-LEVEL
 * non-text conditions, so that only its text decides:
 * - from/to: the first pattern, a prefix padded with zeros ("+1415555*" → "+14155550000");
 *   otherwise fictional +15555550100 / +15555550199;
 * - state: the rule's state (or null); messageCount 0 for `first_message: true`, else 1 (returning);
 * - has_media: one image when true, none otherwise; the thread is not opted out, vars/tags empty;
 * - time: the first minute, in a week from Monday 2024-01-01 UTC, when all of the rule's time
 *   conditions hold; without time conditions, Wednesday 12:00 in the default time zone (an
 *   ordinary business hour, so after-hours rules placed earlier do not shadow the example).
 * Earlier rules are evaluated in that same setting. Conditions nested in any/not are not
 * synthesised. Disabled rules are skipped: they answer nothing.
 */
export function runExamples(ruleSet: RuleSet): ExampleResult[] {
  const results: ExampleResult[] = [];
  const wednesdayNoon = ordinaryMoment(ruleSet.defaultTimezone);
  for (const rule of ruleSet.compiled) {
    if (!rule.enabled || rule.examples.length === 0) continue;
    const { message, thread } = settingFor(rule);
    const timeConditions = rule.conditions.filter((c) => c.kind === 'time');
    const now =
      timeConditions.length > 0 ? (findMoment(timeConditions) ?? wednesdayNoon) : wednesdayNoon;
    const localTime = localTimeAt(now);
    for (const example of rule.examples) {
      const sent = { ...message, body: example };
      const decision = decideWith(ruleSet, sent, thread, localTime, true);
      const matched = decision.rule?.id ?? null;
      results.push({
        ruleId: rule.id,
        example,
        ok: decision.kind === 'rule' && matched === rule.id,
        matched,
        kind: decision.kind,
        message: sent,
        thread,
        now,
      });
    }
  }
  return results;
}

/**
 * Wednesday 3 January 2024, 12:00 in `timezone` (UTC when it is not a valid zone): an ordinary
 * business hour, the moment examples and conversation tests use unless told otherwise.
 */
export function ordinaryMoment(timezone: string): Date {
  const zone = isValidTimeZone(timezone) ? timezone : 'UTC';
  const businessHour: Condition = {
    kind: 'time',
    window: { days: new Set([3]), between: { start: 720, end: 721 }, timezone: zone },
  };
  return findMoment([businessHour]) ?? new Date(SEARCH_FROM + 2 * DAY_MS);
}

function settingFor(rule: CompiledRule): { message: InboundForMatching; thread: ThreadSnapshot } {
  const message: InboundForMatching = { body: '', from: DEFAULT_FROM, to: DEFAULT_TO, media: [] };
  const thread: ThreadSnapshot = {
    state: null,
    vars: {},
    tags: [],
    // A returning contact, unless the rule asks for a first message: otherwise a welcome rule
    // (`first_message: true`) near the top would shadow every later rule's examples.
    messageCount: 1,
    optedOut: false,
  };
  for (const c of rule.conditions) {
    if (c.kind === 'from' || c.kind === 'to') {
      const p = c.patterns[0];
      const fallback = c.kind === 'from' ? DEFAULT_FROM : DEFAULT_TO;
      const phone = !p.prefix ? p.value : p.value === '' ? fallback : p.value.padEnd(12, '0');
      message[c.kind] = phone;
    } else if (c.kind === 'state') thread.state = c.value;
    else if (c.kind === 'first_message') thread.messageCount = c.value ? 0 : 1;
    else if (c.kind === 'has_media') message.media = c.value ? [EXAMPLE_MEDIA] : [];
  }
  return { message, thread };
}

/** The first moment (15-minute steps, then minutes) in a week at which all conditions hold. */
function findMoment(conditions: Condition[]): Date | null {
  const holdsAt = (ms: number): boolean => {
    const localTime: LocalTimeFn = localTimeAt(new Date(ms));
    const ctx: MatchContext = {
      message: { body: '', from: '', to: '', media: [] },
      thread: { state: null, vars: {}, tags: [], messageCount: 0, optedOut: false },
      body: normalizeBody(''),
      localTime,
    };
    return allHold(conditions, ctx, {});
  };
  for (const step of [15 * 60_000, 60_000]) {
    for (let ms = SEARCH_FROM; ms < SEARCH_FROM + 8 * DAY_MS; ms += step) {
      if (holdsAt(ms)) return new Date(ms);
    }
  }
  return null;
}
