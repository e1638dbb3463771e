// Why a fire stops when several reasons come while it sends: the one that decides how it ends.
import { strongerReason, type Interruption } from '../../../src/scheduler/fireWatch';

const lost: Interruption = { kind: 'lost' };
const canceled: Interruption = { kind: 'halted', as: 'canceled' };
const paused: Interruption = { kind: 'halted', as: 'paused' };

describe('strongerReason', () => {
  it.each([
    ['nothing yet, then a pause', null, paused, paused],
    ['a pause, then a cancel: canceled', paused, canceled, canceled],
    ['a cancel, then a pause: still canceled', canceled, paused, canceled],
    ['a cancel, then the lease lost: the new owner finishes it', canceled, lost, lost],
    ['the lease lost, then a cancel: still lost', lost, canceled, lost],
    ['the lease lost, then a pause: still lost', lost, paused, lost],
  ])('%s', (_name, current, next, expected) => {
    expect(strongerReason(current, next)).toEqual(expected);
  });
});
