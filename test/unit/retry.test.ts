import { retry, retryDelayMs, validateRetryPolicy, type RetryPolicy } from '../../src/retry';

const policy: RetryPolicy = { attempts: 5, baseDelayMs: 100, maxDelayMs: 1000 };

describe('retryDelayMs', () => {
  it.each([
    // [retry, random, expected]: equal jitter between half and all of base·2^(retry-1), capped
    [1, 0, 50],
    [1, 1, 100],
    [2, 0, 100],
    [3, 0.5, 300],
    [4, 1, 800],
    [5, 1, 1000],
    [9, 0, 500],
  ])('retry %i with random %d waits %i ms', (retry, random, expected) => {
    expect(retryDelayMs(retry, policy, null, () => random)).toBe(expected);
  });

  it.each([
    [1, 100],
    [2, 200],
    [4, 800],
    [5, 1000],
  ])('without jitter, retry %i waits exactly %i ms', (retry, expected) => {
    expect(retryDelayMs(retry, { ...policy, jitter: 'none' }, null, () => 0.5)).toBe(expected);
  });

  it('honours a requested wait (Retry-After) over backoff, capped at maxDelayMs', () => {
    expect(retryDelayMs(1, policy, 700, () => 0)).toBe(700);
    expect(retryDelayMs(1, policy, 0, () => 0)).toBe(0);
    expect(retryDelayMs(1, policy, 60_000, () => 0)).toBe(1000);
  });
});

describe('validateRetryPolicy', () => {
  it('rejects policies that never try or wait backwards', () => {
    expect(() => validateRetryPolicy({ attempts: 0, baseDelayMs: 1, maxDelayMs: 1 })).toThrow();
    expect(() => validateRetryPolicy({ attempts: 1.5, baseDelayMs: 1, maxDelayMs: 1 })).toThrow();
    expect(() => validateRetryPolicy({ attempts: 2, baseDelayMs: 10, maxDelayMs: 5 })).toThrow();
    expect(validateRetryPolicy(policy)).toBe(policy);
    const forever = { attempts: Infinity, baseDelayMs: 1, maxDelayMs: 1 };
    expect(validateRetryPolicy(forever)).toBe(forever);
  });
});

describe('retry', () => {
  const busy = () => new Error('busy');
  const fatal = () => new Error('fatal');

  function recorder() {
    const waits: number[] = [];
    const retries: number[] = [];
    return {
      waits,
      retries,
      sleep: async (ms: number) => void waits.push(ms),
      onRetry: ({ attempt }: { attempt: number }) => void retries.push(attempt),
    };
  }

  it('tries a failing operation again, waiting longer each time, until it goes through', async () => {
    const r = recorder();
    const result = await retry(
      async (attempt) => {
        if (attempt < 3) throw busy();
        return `done on try ${attempt}`;
      },
      { policy, retryable: (e) => (e as Error).message === 'busy', random: () => 1, ...r },
    );
    expect(result).toBe('done on try 3');
    expect(r.waits).toEqual([100, 200]);
    expect(r.retries).toEqual([1, 2]);
  });

  it('throws a failure the caller does not retry at once', async () => {
    const r = recorder();
    let calls = 0;
    const failing = retry(
      async () => {
        calls++;
        throw fatal();
      },
      { policy, retryable: (e) => (e as Error).message === 'busy', ...r },
    );
    await expect(failing).rejects.toThrow('fatal');
    expect(calls).toBe(1);
    expect(r.waits).toEqual([]);
  });

  it('gives up with the last error after its attempts', async () => {
    const r = recorder();
    let calls = 0;
    const failing = retry(
      async () => {
        calls++;
        throw new Error(`busy ${calls}`);
      },
      { policy: { ...policy, attempts: 3 }, retryable: () => true, ...r },
    );
    await expect(failing).rejects.toThrow('busy 3');
    expect(calls).toBe(3);
    expect(r.waits).toHaveLength(2);
  });

  it('waits what the failure asks for instead of the backoff', async () => {
    const r = recorder();
    await retry(
      async (attempt) => {
        if (attempt === 1) throw Object.assign(busy(), { retryAfterMs: 750 });
        return 'ok';
      },
      {
        policy,
        retryable: () => true,
        requestedDelayMs: (e) => (e as { retryAfterMs?: number }).retryAfterMs ?? null,
        ...r,
      },
    );
    expect(r.waits).toEqual([750]);
  });
});
