// What one message and its rule's outcome do to a thread: the one function the webhook, the outage
// cache, the dry run, conversation tests and replay all apply.
import {
  applyOutcome,
  newThreadState,
  type ThreadEffect,
  type ThreadState,
} from '../../../src/conversations/threadState';

const NOW = new Date('2030-06-05T12:00:00Z');
const EARLIER = new Date('2030-06-01T09:00:00Z');

const nothing: ThreadEffect = {
  set: {},
  tags: { add: [], remove: [] },
  optOut: false,
  optIn: false,
};
const known: ThreadState = {
  state: 'asked_name',
  vars: { name: 'Ada', size: 'M' },
  tags: ['vip', 'club'],
  inboundCount: 3,
  optedOut: false,
  firstSeen: EARLIER,
};

interface Case {
  name: string;
  before: ThreadState;
  effect: ThreadEffect | null;
  after: Partial<ThreadState>;
  changes: object;
}

const cases: Case[] = [
  {
    name: 'no rules loaded: the first message is counted and dates the thread, nothing else',
    before: newThreadState(),
    effect: null,
    after: { state: null, vars: {}, tags: [], inboundCount: 1, optedOut: false, firstSeen: NOW },
    changes: { vars: {}, firstSeen: NOW },
  },
  {
    name: 'a rule without actions: counted, the first message keeps its date',
    before: known,
    effect: nothing,
    after: { ...known, inboundCount: 4 },
    changes: { vars: {} },
  },
  {
    name: 'state set',
    before: known,
    effect: { ...nothing, state: 'booked' },
    after: { state: 'booked' },
    changes: { vars: {}, state: 'booked' },
  },
  {
    name: 'state cleared (null), unlike left alone (undefined)',
    before: known,
    effect: { ...nothing, state: null },
    after: { state: null },
    changes: { vars: {}, state: null },
  },
  {
    name: 'vars: the ones set are replaced or added, the others kept; only the set ones change',
    before: known,
    effect: { ...nothing, set: { name: 'Grace', party: '4' } },
    after: { vars: { name: 'Grace', size: 'M', party: '4' } },
    changes: { vars: { name: 'Grace', party: '4' } },
  },
  {
    name: 'tags added and removed; adding one it has keeps one copy',
    before: known,
    effect: { ...nothing, tags: { add: ['vip', 'booked'], remove: ['club', 'absent'] } },
    after: { tags: ['vip', 'booked'] },
    changes: { vars: {}, tags: ['vip', 'booked'] },
  },
  {
    name: 'opt-out (STOP) marks the thread opted out',
    before: known,
    effect: { ...nothing, optOut: true },
    after: { optedOut: true },
    changes: { vars: {}, optedOut: true },
  },
  {
    name: 'opt-in (START) clears it',
    before: { ...known, optedOut: true },
    effect: { ...nothing, optIn: true },
    after: { optedOut: false },
    changes: { vars: {}, optedOut: false },
  },
  {
    name: 'an opted-out contact stays opted out through a message that is neither',
    before: { ...known, optedOut: true },
    effect: nothing,
    after: { optedOut: true, inboundCount: 4 },
    changes: { vars: {} },
  },
];

describe('applyOutcome', () => {
  it.each(cases)('$name', ({ before, effect, after, changes }) => {
    const applied = applyOutcome(before, effect, NOW);
    expect(applied.thread).toMatchObject(after);
    expect(applied.changes).toEqual(changes);
  });

  it('every message is counted once, whatever the outcome', () => {
    for (const { before, effect } of cases) {
      expect(applyOutcome(before, effect, NOW).thread.inboundCount).toBe(before.inboundCount + 1);
    }
  });

  it('leaves the thread it was given as it was', () => {
    const before = structuredClone(known);
    applyOutcome(
      before,
      { ...nothing, set: { name: 'Grace' }, tags: { add: ['x'], remove: ['vip'] } },
      NOW,
    );
    expect(before).toEqual(known);
  });
});
