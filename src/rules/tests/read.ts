// Reads conversation test files (SPEC §8) into typed tests, or reports every problem positioned
// as `file:line:column message`, the way rule files are reported.

import { isMap, isScalar, isSeq } from 'yaml';
import type { Node } from 'yaml';
import { SourceFile } from '../schema/reader';
import { parseDuration } from '../../duration';
import { E164_PATTERN } from '../../twilioLimits';
import type { RuleFile } from '../types';
import type {
  ConversationStep,
  ConversationTest,
  GivenThread,
  ReadTestsResult,
  StepExpectation,
  TestFileError,
} from './types';

const TEST_KEYS = ['name', 'contact', 'to', 'start', 'given', 'steps'];
const GIVEN_KEYS = ['state', 'vars', 'tags', 'messages', 'opted_out'];
const STEP_KEYS = ['send', 'wait', 'media', 'expect'];
type ExpectReader = (src: SourceFile, value: Node | null, what: string) => StepExpectation;

/** Each key of `expect`: how its value is read, into which field. */
const EXPECT_READERS: Record<string, ExpectReader> = {
  rule: (src, value, what) => ({ rule: nullableText(src, value, what) }),
  reply: (src, value, what) => ({ reply: src.textList(value, what) }),
  reply_contains: (src, value, what) => ({ replyContains: src.textList(value, what) }),
  reply_matches: (src, value, what) => {
    const source = src.text(value, what);
    return source === undefined ? {} : { replyMatches: regex(src, value, source, what) };
  },
  no_reply: (src, value, what) => ({ noReply: src.bool(value, what) }),
  state: (src, value, what) => ({ state: nullableText(src, value, what) }),
  vars: (src, value, what) => ({ vars: scalarMap(src, value, what) }),
  tags_include: (src, value, what) => ({ tagsInclude: src.textList(value, what) }),
  tags_exclude: (src, value, what) => ({ tagsExclude: src.textList(value, what) }),
  opted_out: (src, value, what) => ({ optedOut: src.bool(value, what) }),
  sent: (src, value, what) => ({ sent: src.list(value, what) }),
  sent_contains: (src, value, what) => ({ sentContains: src.textList(value, what) }),
  segments_max: (src, value, what) => {
    const n = count(src, value, what);
    if (n < 1) src.error(value, `${what} must be at least 1`);
    return { segmentsMax: n };
  },
};
const EXPECT_KEYS = Object.keys(EXPECT_READERS);
/** Keys about the reply to a message: a `wait` step has none. */
const REPLY_KEYS = ['rule', 'reply', 'reply_contains', 'reply_matches', 'no_reply', 'segments_max'];
/** Keys about what follow-ups sent: only a `wait` sends them. */
const SENT_KEYS = ['sent', 'sent_contains'];

// ISO-8601 with a UTC offset or Z: a test must not depend on the machine's time zone.
const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

export function readConversationTests(files: readonly RuleFile[]): ReadTestsResult {
  const tests: ConversationTest[] = [];
  const errors: TestFileError[] = [];
  for (const file of files) {
    const src = SourceFile.parse(file);
    const top = src.doc?.contents as Node | null | undefined;
    if (src.doc !== null && top !== null && top !== undefined && !src.isNull(top)) {
      const fields = src.readMap(top, 'the file (top level)', ['conversations']);
      const list = fields?.get('conversations');
      if (fields !== null && list === undefined) {
        src.error(top, 'a test file needs "conversations:", a list of conversations');
      } else if (list !== undefined && !isSeq(list.value)) {
        src.error(src.at(list), 'conversations must be a list (each starting with "- name: …")');
      } else if (list !== undefined && isSeq(list.value)) {
        const names = new Map<string, string>();
        list.value.items.forEach((item, i) => {
          const test = readTest(src, src.resolve(item), i, names);
          if (test !== undefined) tests.push(test);
        });
      }
    }
    errors.push(...src.errors.sort((a, b) => a.line - b.line || a.column - b.column));
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, tests };
}

function readTest(
  src: SourceFile,
  node: Node | null,
  index: number,
  names: Map<string, string>,
): ConversationTest | undefined {
  const before = src.errors.length;
  const where = `conversations[${index}]`;
  const fields = src.readMap(node, where, TEST_KEYS);
  if (fields === null) return undefined;
  const get = (name: string) => {
    const field = fields.get(name);
    return field === undefined ? undefined : src.at(field);
  };

  const nameNode = get('name');
  const name = nameNode === undefined ? undefined : src.text(nameNode, `${where}.name`);
  if (nameNode === undefined) src.error(node, `${where} needs a "name"`);
  else if (name !== undefined && name.trim() === '') src.error(nameNode, 'name must not be empty');
  else if (name !== undefined) {
    const first = names.get(name);
    if (first !== undefined) src.error(nameNode, `duplicate conversation name (first at ${first})`);
    const at = src.position(nameNode);
    names.set(name, `${src.path}:${at.line}:${at.column}`);
  }

  const contact = phone(src, get('contact'), 'contact');
  const to = phone(src, get('to'), 'to');
  const start = readStart(src, get('start'));
  const given = readGiven(src, get('given'));
  const stepsNode = get('steps');
  const steps: ConversationStep[] = [];
  if (stepsNode === undefined) src.error(node, `${where} needs "steps", a list of send/wait steps`);
  else if (!isSeq(stepsNode) || stepsNode.items.length === 0) {
    src.error(stepsNode, 'steps must be a list of at least one step (- send: … or - wait: …)');
  } else {
    stepsNode.items.forEach((item, i) => {
      const step = readStep(src, src.resolve(item), i);
      if (step !== undefined) steps.push(step);
    });
  }

  if (src.errors.length !== before || name === undefined) return undefined;
  return {
    file: src.path,
    ...src.position(node),
    name,
    ...(contact === undefined ? {} : { contact }),
    ...(to === undefined ? {} : { to }),
    ...(start === undefined ? {} : { start }),
    given,
    steps,
  };
}

function phone(src: SourceFile, node: Node | undefined, what: string): string | undefined {
  if (node === undefined) return undefined;
  const value = src.text(node, what);
  if (value !== undefined && !E164_PATTERN.test(value)) {
    src.error(node, `${what} must be an E.164 number such as "+14155550123", got "${value}"`);
  }
  return value;
}

function readStart(src: SourceFile, node: Node | undefined): Date | undefined {
  if (node === undefined) return undefined;
  // YAML reads an unquoted timestamp as a string here (the core schema has no timestamps).
  const value = src.text(node, 'start');
  if (value === undefined) return undefined;
  const date = new Date(value);
  if (!ISO_WITH_OFFSET.test(value) || Number.isNaN(date.getTime())) {
    src.error(node, `start must be ISO-8601 with a UTC offset, e.g. "2026-03-06T18:00:00-08:00"`);
    return undefined;
  }
  return date;
}

function readGiven(src: SourceFile, node: Node | undefined): GivenThread {
  const given: GivenThread = { state: null, vars: {}, tags: [], messages: 0, optedOut: false };
  if (node === undefined || src.isNull(node)) return given;
  const fields = src.readMap(node, 'given', GIVEN_KEYS);
  if (fields === null) return given;
  for (const field of fields.values()) {
    const value = src.at(field);
    if (field.name === 'state') given.state = nullableText(src, value, 'given.state');
    else if (field.name === 'vars') given.vars = scalarMap(src, value, 'given.vars');
    else if (field.name === 'tags') given.tags = src.list(value, 'given.tags') ?? [];
    else if (field.name === 'messages') given.messages = count(src, value, 'given.messages');
    else if (field.name === 'opted_out')
      given.optedOut = src.bool(value, 'given.opted_out') ?? false;
  }
  return given;
}

function readStep(src: SourceFile, node: Node | null, index: number): ConversationStep | undefined {
  const where = `steps[${index}]`;
  const fields = src.readMap(node, where, STEP_KEYS);
  if (fields === null) return undefined;
  const send = fields.get('send');
  const wait = fields.get('wait');
  if ((send === undefined) === (wait === undefined)) {
    src.error(node, `${where} needs exactly one of send (a message) or wait (e.g. 2h)`);
    return undefined;
  }
  const position = { file: src.path, ...src.position(node) };
  const expectField = fields.get('expect');
  const expect = expectField ? readExpect(src, src.at(expectField), wait !== undefined) : {};
  const mediaField = fields.get('media');
  if (send !== undefined) {
    const body = src.isNull(send.value) ? '' : src.text(src.at(send), 'send');
    const media = mediaField ? (src.list(src.at(mediaField), 'media') ?? []) : [];
    if (body === undefined || expect === undefined) return undefined;
    return { ...position, kind: 'send', body, media, expect };
  }
  if (mediaField) src.error(mediaField.key, 'media goes with send, not with wait');
  const duration = src.text(src.at(wait!), 'wait');
  const ms = duration === undefined ? undefined : parseDuration(duration);
  if (typeof ms === 'string') src.error(src.at(wait!), `wait: ${ms}`);
  if (typeof ms !== 'number' || expect === undefined || mediaField) return undefined;
  return { ...position, kind: 'wait', ms, duration: duration!, expect };
}

function readExpect(
  src: SourceFile,
  node: Node | null,
  afterWait: boolean,
): StepExpectation | undefined {
  const before = src.errors.length;
  const fields = src.readMap(node, 'expect', EXPECT_KEYS);
  if (fields === null) return undefined;
  const expect: StepExpectation = {};
  for (const field of fields.values()) {
    const value = src.at(field);
    const what = `expect.${field.name}`;
    if (afterWait && REPLY_KEYS.includes(field.name)) {
      src.error(
        field.key,
        `${what} is about a reply; a wait step has none (use sent or sent_contains)`,
      );
      continue;
    }
    if (!afterWait && SENT_KEYS.includes(field.name)) {
      src.error(field.key, `${what} is about follow-ups, which are sent during a wait step`);
      continue;
    }
    Object.assign(expect, EXPECT_READERS[field.name](src, value, what));
  }
  return src.errors.length === before ? expect : undefined;
}

function nullableText(src: SourceFile, node: Node | null, what: string): string | null {
  if (src.isNull(node)) return null;
  return src.text(node, what) ?? null;
}

/** A mapping of names to plain values (strings, numbers, booleans, null). */
function scalarMap(src: SourceFile, node: Node | null, what: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (src.isNull(node)) return out;
  if (!isMap(node)) {
    src.error(node, `${what} must be a mapping of names to values`);
    return out;
  }
  for (const pair of node.items) {
    const key = pair.key as Node | null;
    const value = src.resolve(pair.value);
    if (!isScalar(key) || typeof key.value !== 'string') {
      src.error(key, `keys in ${what} must be plain names`);
    } else if (value !== null && !isScalar(value)) {
      src.error(value, `${what}.${key.value} must be a plain value (text, number, true/false)`);
    } else {
      out[key.value] = value === null ? null : value.value;
    }
  }
  return out;
}

function count(src: SourceFile, node: Node | null, what: string): number {
  const n = src.number(node, what);
  if (n === undefined) return 0;
  if (!Number.isInteger(n) || n < 0) {
    src.error(node, `${what} must be a whole number, got ${n}`);
    return 0;
  }
  return n;
}

function regex(src: SourceFile, node: Node | null, source: string, what: string) {
  for (const flags of ['u', '']) {
    try {
      return new RegExp(source, flags);
    } catch (err) {
      if (flags === '') src.error(node, `invalid regex in ${what}: ${(err as Error).message}`);
    }
  }
  return undefined;
}
