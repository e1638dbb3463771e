// The limiter keeps concurrent work at its size and hands slots over in order.
import { Limiter } from '../../../src/scheduler/limiter';

describe('Limiter', () => {
  it('never runs more than its size at once, and runs everything', async () => {
    const limiter = new Limiter(3);
    let running = 0;
    let peak = 0;
    const done: number[] = [];
    const jobs = Array.from({ length: 20 }, async (_, i) => {
      await limiter.acquire();
      running += 1;
      peak = Math.max(peak, running);
      await new Promise((r) => setImmediate(r));
      running -= 1;
      done.push(i);
      limiter.release();
    });
    await Promise.all(jobs);
    expect(peak).toBe(3);
    expect(done).toHaveLength(20);
    expect(limiter.inUse).toBe(0);
  });

  it('refuses a size below 1', () => {
    expect(() => new Limiter(0)).toThrow();
  });
});
