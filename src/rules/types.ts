// The public shapes of the rule engine: what goes in (files, a message, a thread) and what comes out.

import type { Condition } from './conditions';

/** One rules file as read from disk; `path` is what error messages show (e.g. "rules/10-hours.yaml"). */
export interface RuleFile {
  path: string;
  content: string;
}

/** A problem in a rules file, positioned for an editor (1-based line and column). */
export interface RuleLoadError {
  file: string;
  line: number;
  column: number;
  message: string;
}

export interface LoadOptions {
  /** Template names (paths under the templates dir without `.hbs`, e.g. `hours`, `promo/summer`). */
  knownTemplates: ReadonlySet<string>;
  /** IANA zone used by `time` conditions that name none (the TIMEZONE setting). */
  defaultTimezone: string;
  /**
   * Checks, and compiles once, an inline template of a rule (reply.text, reply.media, set values,
   * schedule.text): null when it is usable. The template store gives it, so an unknown helper or
   * partial is a load error rather than a failure on every message; without it inline templates
   * are only parsed.
   */
  checkTemplate?: (source: string) => InlineTemplateProblem | null;
}

/** What is wrong with an inline template; line and column are within the template's own text. */
export interface InlineTemplateProblem {
  line: number;
  column: number;
  message: string;
}

export type LoadResult = { ok: true; ruleSet: RuleSet } | { ok: false; errors: RuleLoadError[] };

export interface InboundForMatching {
  body: string;
  from: string;
  to: string;
  media: { url: string; contentType?: string }[];
}

export interface ThreadSnapshot {
  state: string | null;
  vars: Record<string, unknown>;
  tags: string[];
  /** Messages from the contact BEFORE this one. */
  messageCount: number;
  optedOut: boolean;
}

export type DecisionKind = 'opt_out' | 'opt_in' | 'help' | 'rule' | 'none';

/** A reply to send: a template name or an inline Handlebars source (rendering is the caller's job). */
export interface ReplyAction {
  template?: string;
  text?: string;
  media: string[];
}

export interface ScheduleAction {
  inMs: number;
  template?: string;
  text?: string;
  /**
   * The state the thread moves to once the follow-up is sent (null clears it), if the thread is
   * still in the state this rule left it in; undefined leaves the state alone.
   */
  state?: string | null;
}

export interface Decision {
  kind: DecisionKind;
  rule: { id: string; description?: string } | null;
  /** Regex named groups, `number` for the number condition, `keyword` for keyword/compliance matches. */
  match: Record<string, string>;
  reply: ReplyAction | null;
  /** Values are Handlebars sources, rendered later by the caller. */
  set: Record<string, string>;
  /** undefined = leave the thread's state unchanged, null = clear it. */
  state?: string | null;
  tags: { add: string[]; remove: string[] };
  schedule: ScheduleAction | null;
}

export interface ComplianceConfig {
  /** Normalised keywords; a message is a keyword when its whole normalised text equals one. */
  optOut: string[];
  optIn: string[];
  help: string[];
  helpTemplate: string;
  optOutTemplate?: string;
  optInTemplate?: string;
}

/** A rule after validation: its conditions compiled, its actions ready to copy into a Decision. */
export interface CompiledRule {
  id: string;
  description?: string;
  enabled: boolean;
  file: string;
  line: number;
  column: number;
  /** All must hold; empty = always. Ordered cheapest first (see schema/conditions.ts). */
  conditions: Condition[];
  reply: ReplyAction | null;
  set: Record<string, string>;
  /** Absent = the rule does not touch the state. */
  state?: string | null;
  tags: { add: string[]; remove: string[] };
  schedule: ScheduleAction | null;
  examples: string[];
  /**
   * The most SMS segments one reply may cost: the rule's `max_segments`, else its file's
   * `settings.max_segments`; absent = no budget. Checked by `replybot rules lint`.
   */
  maxSegments?: number;
}

/** What `GET /api/rules` and `replybot rules` list about a rule. */
export interface RuleSummary {
  id: string;
  description?: string;
  enabled: boolean;
  file: string;
  line: number;
  examples: string[];
}

/**
 * Candidate lists (ascending rule positions, enabled rules only) keyed by normalised text, so a
 * message is checked only against rules that could possibly match it; see compile.ts.
 */
export interface RuleIndex {
  byFirstWord: Map<string, number[]>;
  byWholeText: Map<string, number[]>;
  byAnyWord: Map<string, number[]>;
  always: number[];
}

export interface RuleSet {
  /** Short sha256 hex of the files' paths and contents: changes whenever any file does. */
  version: string;
  files: string[];
  ruleCount: number;
  rules: RuleSummary[];
  compliance: ComplianceConfig;
  /** Not errors, but worth showing to an editor (e.g. the help template does not exist). */
  warnings: string[];
  /** The zone `time` conditions use when they name none (LoadOptions.defaultTimezone). */
  defaultTimezone: string;
  /** Internal to the engine; exposed read-only for tools and benchmarks. */
  readonly compiled: readonly CompiledRule[];
  readonly index: RuleIndex;
}
