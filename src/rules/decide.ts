// Decides what to do with one inbound message: compliance keywords first, then the first rule
// that matches. Pure: applying the decision (store, reply, schedule) is the caller's job.

import { allHold } from './conditions';
import type { LocalTimeFn, MatchContext } from './conditions';
import { normalizeBody } from './normalize';
import type { NormalizedBody } from './normalize';
import { localTimeAt } from './time';
import type {
  CompiledRule,
  Decision,
  DecisionKind,
  InboundForMatching,
  RuleIndex,
  RuleSet,
  ThreadSnapshot,
} from './types';

/** Counts work done by one decision; for tests and benchmarks that the index keeps it small. */
export interface DecideStats {
  /** Rules whose conditions were checked against the message. */
  rulesEvaluated: number;
}

export function decide(
  ruleSet: RuleSet,
  message: InboundForMatching,
  thread: ThreadSnapshot,
  now: Date,
  stats?: DecideStats,
): Decision {
  return decideWith(ruleSet, message, thread, localTimeAt(now), true, stats);
}

/** The same decision found by checking every rule in order; the baseline for tests and benchmarks. */
export function decideWithoutIndex(
  ...[ruleSet, message, thread, now, stats]: Parameters<typeof decide>
): Decision {
  return decideWith(ruleSet, message, thread, localTimeAt(now), false, stats);
}

export function decideWith(
  ruleSet: RuleSet,
  message: InboundForMatching,
  thread: ThreadSnapshot,
  localTime: LocalTimeFn,
  useIndex: boolean,
  stats?: DecideStats,
): Decision {
  const body = normalizeBody(message.body);
  const compliance = complianceDecision(ruleSet, body.text, thread.optedOut);
  if (compliance !== null) return compliance;
  // An opted-out contact only gets answers to START and HELP (SPEC §5.5).
  if (thread.optedOut) return emptyDecision('none');

  const ctx: Checking = { message, thread, body, localTime, stats };
  const found = useIndex
    ? firstMatchIndexed(ruleSet.compiled, ruleSet.index, ctx)
    : firstMatchLinear(ruleSet.compiled, ctx);
  return found === null ? emptyDecision('none') : ruleDecision(found.rule, found.match);
}

/**
 * Twilio acts on these only when the whole message is the keyword; so do we. An opt-in keyword
 * only opts in a contact who opted out: from anyone else "yes" or "start" is an ordinary message
 * for the rules, not a reason to say "you're subscribed again".
 */
function complianceDecision(ruleSet: RuleSet, text: string, optedOut: boolean): Decision | null {
  const c = ruleSet.compliance;
  let kind: DecisionKind;
  let template: string | undefined;
  if (c.optOut.includes(text)) [kind, template] = ['opt_out', c.optOutTemplate];
  else if (optedOut && c.optIn.includes(text)) [kind, template] = ['opt_in', c.optInTemplate];
  else if (c.help.includes(text)) [kind, template] = ['help', c.helpTemplate];
  else return null;
  const decision = emptyDecision(kind);
  decision.match = { keyword: text };
  if (template !== undefined) decision.reply = { template, media: [] };
  return decision;
}

type Found = { rule: CompiledRule; match: Record<string, string> };
type Checking = MatchContext & { stats?: DecideStats };

function tryRule(rule: CompiledRule, ctx: Checking): Found | null {
  if (ctx.stats) ctx.stats.rulesEvaluated++;
  const match: Record<string, string> = {};
  return allHold(rule.conditions, ctx, match) ? { rule, match } : null;
}

function firstMatchLinear(rules: readonly CompiledRule[], ctx: Checking): Found | null {
  for (const rule of rules) {
    if (!rule.enabled) continue;
    const found = tryRule(rule, ctx);
    if (found !== null) return found;
  }
  return null;
}

/**
 * Merges the candidate lists this message selects (each ascending) with the always-candidates,
 * smallest rule position first, and stops at the first rule that holds: the same answer as the
 * linear scan, at a cost that does not grow with the number of keyword rules.
 */
function firstMatchIndexed(
  rules: readonly CompiledRule[],
  index: RuleIndex,
  ctx: Checking,
): Found | null {
  const lists = candidateLists(index, ctx.body);
  if (lists.length === 1) {
    for (const position of lists[0]) {
      const found = tryRule(rules[position], ctx);
      if (found !== null) return found;
    }
    return null;
  }
  const heads = new Array<number>(lists.length).fill(0);
  for (;;) {
    let next = Infinity;
    for (let i = 0; i < lists.length; i++) {
      const value = lists[i][heads[i]];
      if (value !== undefined && value < next) next = value;
    }
    if (next === Infinity) return null;
    for (let i = 0; i < lists.length; i++) {
      if (lists[i][heads[i]] === next) heads[i]++;
    }
    const found = tryRule(rules[next], ctx);
    if (found !== null) return found;
  }
}

function candidateLists(index: RuleIndex, body: NormalizedBody): number[][] {
  const lists: number[][] = [];
  const add = (list: number[] | undefined): void => {
    if (list !== undefined && list.length > 0 && !lists.includes(list)) lists.push(list);
  };
  if (body.words.length > 0) add(index.byFirstWord.get(body.words[0]));
  add(index.byWholeText.get(body.text));
  if (index.byAnyWord.size > 0) for (const word of body.words) add(index.byAnyWord.get(word));
  add(index.always);
  return lists;
}

function emptyDecision(kind: DecisionKind): Decision {
  return {
    kind,
    rule: null,
    match: {},
    reply: null,
    set: {},
    tags: { add: [], remove: [] },
    schedule: null,
  };
}

/** Copies everything out of the compiled rule, so a caller cannot change the loaded rule set. */
function ruleDecision(rule: CompiledRule, match: Record<string, string>): Decision {
  const decision = emptyDecision('rule');
  decision.rule =
    rule.description === undefined
      ? { id: rule.id }
      : { id: rule.id, description: rule.description };
  decision.match = match;
  decision.reply = rule.reply && { ...rule.reply, media: [...rule.reply.media] };
  decision.set = { ...rule.set };
  if (rule.state !== undefined) decision.state = rule.state;
  decision.tags = { add: [...rule.tags.add], remove: [...rule.tags.remove] };
  decision.schedule = rule.schedule && { ...rule.schedule };
  return decision;
}
