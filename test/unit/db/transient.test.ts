// Which database errors are waited out (a cron slot's claim must not be skipped for them), and
// which pass straight through.
import { MongoNetworkError, MongoServerError } from 'mongodb';
import { isTransientDatabaseError, retryTransient } from '../../../src/db/transient';

const busy = () => new MongoServerError({ message: 'database is locked (5) (SQLITE_BUSY)' });
const duplicate = () =>
  new MongoServerError({ message: 'E11000 duplicate key error', code: 11000 });

describe('transient database errors', () => {
  it.each<[string, unknown, boolean]>([
    ['SQLite busy (embedded database)', busy(), true],
    ['a dropped connection', new MongoNetworkError('connection 3 to 127.0.0.1:27017 closed'), true],
    ['a stepped-down primary', new MongoServerError({ message: 'not primary', code: 10107 }), true],
    ['a duplicate key (someone else won)', duplicate(), false],
    ['a validation error', new Error('Schedule validation failed: cron: required'), false],
    ['nothing', null, false],
  ])('%s', (_, err, transient) => {
    expect(isTransientDatabaseError(err)).toBe(transient);
  });

  it('tries a busy operation again until it goes through, waiting longer each time', async () => {
    const waits: number[] = [];
    let calls = 0;
    const result = await retryTransient(
      async () => {
        if (++calls < 3) throw busy();
        return 'claimed';
      },
      { attempts: 6, firstWaitMs: 200, sleep: async (ms) => void waits.push(ms) },
    );
    expect(result).toBe('claimed');
    expect(calls).toBe(3);
    expect(waits).toHaveLength(2);
    expect(waits[0]).toBeGreaterThanOrEqual(100);
    expect(waits[0]).toBeLessThanOrEqual(300);
    expect(waits[1]).toBeGreaterThanOrEqual(200);
    expect(waits[1]).toBeLessThanOrEqual(600);
  });

  it('passes other errors through at once, and gives up after its attempts', async () => {
    let calls = 0;
    const sleep = async () => undefined;
    await expect(
      retryTransient(
        async () => {
          calls++;
          throw duplicate();
        },
        { attempts: 6, firstWaitMs: 1, sleep },
      ),
    ).rejects.toThrow(/duplicate key/);
    expect(calls).toBe(1);

    calls = 0;
    await expect(
      retryTransient(
        async () => {
          calls++;
          throw busy();
        },
        { attempts: 4, firstWaitMs: 1, sleep },
      ),
    ).rejects.toThrow(/SQLITE_BUSY/);
    expect(calls).toBe(4);
  });
});
