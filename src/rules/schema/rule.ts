// Validates one entry of a `rules:` list and compiles it: id, conditions and actions.

import Handlebars from 'handlebars';
import { isMap, isScalar } from 'yaml';
import type { Node } from 'yaml';
import type { CompiledRule, LoadOptions, ReplyAction, ScheduleAction } from '../types';
import { parseDuration } from '../../duration';
import { MAX_MEDIA } from '../../twilioLimits';
import { CONDITION_KEYS, readConditions } from './conditions';
import type { ConditionReader } from './conditions';
import type { Field } from './reader';

const RULE_KEYS = [
  'id', 'description', 'enabled', 'when', 'reply', 'set', 'state', 'tags', 'schedule', 'examples',
  'max_segments',
]; // prettier-ignore

// Conditions written directly on the rule instead of under `when:` are a common slip.
const MISPLACED_CONDITIONS = Object.fromEntries(
  CONDITION_KEYS.map((key) => [key, `conditions go under "when:"`]),
);

// `set` keys become fields of the thread's stored vars: no dots or `$`, which MongoDB would read
// as paths or operators.
const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface RuleReader extends ConditionReader {
  knownTemplates: ReadonlySet<string>;
  checkTemplate?: LoadOptions['checkTemplate'];
  /** The file's `settings.max_segments`, the budget of its rules that set none. */
  maxSegments?: number;
}

export interface ReadRule {
  /** The id and where it was written, kept even when the rule has other errors (for duplicates). */
  id?: { value: string; node: Node };
  rule?: CompiledRule;
}

export function readRule(r: RuleReader, node: Node | null, position: number): ReadRule {
  const { src } = r;
  const errorsBefore = src.errors.length;
  const fields = src.readMap(node, `rules[${position}]`, RULE_KEYS, MISPLACED_CONDITIONS);
  if (fields === null) return {};
  const get = (name: string): Node | null => {
    const field = fields.get(name);
    return field ? src.at(field) : null;
  };

  let id: ReadRule['id'];
  const idField = fields.get('id');
  if (idField === undefined || src.isNull(idField.value)) {
    src.error(idField?.key ?? node, `rule needs an "id"`);
  } else {
    const value = src.text(idField.value, 'id');
    if (value !== undefined && value.trim() === '')
      src.error(idField.value, 'id must not be empty');
    else if (value !== undefined) id = { value, node: idField.value! };
  }

  const description = src.isNull(get('description'))
    ? undefined
    : src.text(get('description'), 'description');
  const enabled = fields.has('enabled') ? src.bool(get('enabled'), 'enabled') : true;
  const whenNode = get('when');
  const conditions = src.isNull(whenNode) ? [] : readConditions(r, whenNode, 'when', false);
  const reply = src.isNull(get('reply')) ? null : readReply(r, get('reply'));
  const set = src.isNull(get('set')) ? {} : readSet(r, get('set'));
  const tags = src.isNull(get('tags')) ? { add: [], remove: [] } : readTags(r, get('tags'));
  const schedule = src.isNull(get('schedule')) ? null : readSchedule(r, get('schedule'));
  const examples = src.list(get('examples'), 'examples');
  const stateField = fields.get('state');
  const state = stateField === undefined ? undefined : readState(r, stateField);
  const maxSegments = fields.has('max_segments')
    ? readMaxSegments(r, get('max_segments'), 'max_segments')
    : r.maxSegments;

  if (src.errors.length !== errorsBefore || id === undefined) return { id };
  const rule: CompiledRule = {
    id: id.value,
    enabled: enabled ?? true,
    file: src.path,
    ...src.position(node),
    conditions: conditions ?? [],
    reply: reply ?? null,
    set: set ?? {},
    tags: tags ?? { add: [], remove: [] },
    schedule: schedule ?? null,
    examples: examples ?? [],
  };
  if (description !== undefined) rule.description = description;
  if (stateField !== undefined) rule.state = state ?? null;
  if (maxSegments !== undefined) rule.maxSegments = maxSegments;
  return { id, rule };
}

/** A segment budget: a whole number of at least 1 (Twilio sends at most 10 segments' worth). */
export function readMaxSegments(r: ConditionReader, node: Node | null, where: string) {
  const value = r.src.number(node, where);
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < 1) {
    r.src.error(node, `${where} must be a whole number of at least 1, got ${value}`);
    return undefined;
  }
  return value;
}

function readState(r: RuleReader, field: Field): string | null | undefined {
  if (r.src.isNull(field.value)) return null;
  const value = r.src.text(field.value, 'state');
  if (value !== undefined && value.trim() === '') {
    r.src.error(field.value, 'state must not be empty; use null to clear it');
    return undefined;
  }
  return value;
}

/** `template` or `text`, exactly one: shared by reply and schedule. */
function readMessageSource(
  r: RuleReader,
  node: Node | null,
  fields: Map<string, Field>,
  where: string,
): { template?: string; text?: string } | undefined {
  const template = fields.get('template');
  const text = fields.get('text');
  if ((template === undefined) === (text === undefined)) {
    r.src.error(node, `${where} needs exactly one of template or text`);
    return undefined;
  }
  if (template !== undefined) {
    const name = readTemplateName(r, r.src.at(template), `${where}.template`);
    return name === undefined ? undefined : { template: name };
  }
  const source = readInlineTemplate(r, r.src.at(text!), `${where}.text`);
  return source === undefined ? undefined : { text: source };
}

function readReply(r: RuleReader, node: Node | null): ReplyAction | undefined {
  const fields = r.src.readMap(node, 'reply', ['template', 'text', 'media']);
  if (fields === null) return undefined;
  const message = readMessageSource(r, node, fields, 'reply');
  const mediaField = fields.get('media');
  let media: string[] = [];
  if (mediaField !== undefined) {
    const items = r.src.isEmptyList(mediaField.value)
      ? []
      : r.src.textItems(mediaField.value, 'reply.media');
    for (const item of items ?? []) readInlineTemplate(r, item.node, 'reply.media');
    if (items !== undefined && items.length > MAX_MEDIA) {
      r.src.error(
        mediaField.value,
        `reply.media lists ${items.length} URLs; Twilio allows ${MAX_MEDIA}`,
      );
    }
    media = items?.map((i) => i.value) ?? [];
  }
  return message && { ...message, media };
}

function readSchedule(r: RuleReader, node: Node | null): ScheduleAction | undefined {
  const fields = r.src.readMap(node, 'schedule', ['in', 'template', 'text', 'state']);
  if (fields === null) return undefined;
  const message = readMessageSource(r, node, fields, 'schedule');
  const inField = fields.get('in');
  if (inField === undefined) {
    r.src.error(node, 'schedule needs "in" (e.g. in: 2h)');
    return undefined;
  }
  const duration = r.src.text(r.src.at(inField), 'schedule.in');
  if (duration === undefined) return undefined;
  const inMs = parseDuration(duration);
  if (typeof inMs === 'string') {
    r.src.error(r.src.at(inField), `schedule.in: ${inMs}`);
    return undefined;
  }
  const stateField = fields.get('state');
  const state = stateField === undefined ? undefined : readState(r, stateField);
  return message && { inMs, ...message, ...(state === undefined ? {} : { state }) };
}

function readSet(r: RuleReader, node: Node | null): Record<string, string> | undefined {
  const { src } = r;
  if (!isMap(node)) {
    src.error(node, 'set must be a mapping of variable names to values');
    return undefined;
  }
  const set: Record<string, string> = {};
  for (const pair of node.items) {
    const key = pair.key as Node | null;
    if (!isScalar(key) || typeof key.value !== 'string' || !VAR_NAME.test(key.value)) {
      src.error(key, 'set keys must be names made of letters, digits and _ (e.g. first_name)');
      continue;
    }
    const value = src.resolve(pair.value);
    const where = `set.${key.value}`;
    // `vip: true` means the text "true": every stored var is rendered from a template.
    const source =
      isScalar(value) && typeof value.value === 'boolean'
        ? String(value.value)
        : src.text(value, where);
    if (source !== undefined && readInlineTemplate(r, value, where, source) !== undefined) {
      set[key.value] = source;
    }
  }
  return set;
}

function readTags(
  r: RuleReader,
  node: Node | null,
): { add: string[]; remove: string[] } | undefined {
  const fields = r.src.readMap(node, 'tags', ['add', 'remove']);
  if (fields === null) return undefined;
  const read = (name: string): string[] | undefined => {
    const field = fields.get(name);
    const values = field ? r.src.list(field.value, `tags.${name}`) : [];
    return values?.map((v) => v.trim()).filter((v) => v !== '');
  };
  const add = read('add');
  const remove = read('remove');
  return add && remove && { add, remove };
}

function readTemplateName(r: RuleReader, node: Node | null, where: string): string | undefined {
  const name = r.src.text(node, where);
  if (name === undefined) return undefined;
  if (r.knownTemplates.has(name)) return name;
  const bare = name.replace(/^(\.\/)?templates\//, '').replace(/\.hbs$/, '');
  const hint = bare !== name && r.knownTemplates.has(bare) ? ` (did you mean "${bare}"?)` : '';
  r.src.error(node, `unknown template "${name}" in ${where}${hint}`);
  return undefined;
}

/**
 * Inline Handlebars is compiled at load time by the template store (unknown helpers and partials
 * are errors here, not on every message); without a store it must at least parse.
 */
export function readInlineTemplate(
  r: RuleReader,
  node: Node | null,
  where: string,
  known?: string,
): string | undefined {
  const source = known ?? r.src.text(node, where);
  if (source === undefined) return undefined;
  const problem = r.checkTemplate
    ? checkedProblem(source, r.checkTemplate)
    : templateSyntaxError(source);
  if (problem === null) return source;
  r.src.error(node, `${where} is not a valid template: ${problem}`);
  return undefined;
}

/** The error is placed at the YAML value; within a multi-line template, say where too. */
function checkedProblem(
  source: string,
  check: NonNullable<LoadOptions['checkTemplate']>,
): string | null {
  const problem = check(source);
  if (problem === null) return null;
  return source.includes('\n')
    ? `${problem.message} (line ${problem.line}, column ${problem.column} of the template)`
    : problem.message;
}

/** Handlebars' parse errors span several lines; keep the line number and what it tripped on. */
export function templateSyntaxError(source: string): string | null {
  try {
    Handlebars.parse(source);
    return null;
  } catch (e) {
    const message = (e as Error).message ?? String(e);
    const line = /^Parse error on line (\d+)/.exec(message);
    const got = /got '([^']+)'/.exec(message);
    if (line) return `parse error on line ${line[1]}${got ? ` (unexpected ${got[1]})` : ''}`;
    return message.split('\n')[0];
  }
}
