// A counting semaphore: at most `size` Twilio calls at once per instance, shared by all fan-outs.

export class Limiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1)
      throw new Error('Limiter size must be a whole number >= 1');
  }

  /** Resolves once a slot is free; the caller must call release() exactly once afterwards. */
  acquire(): Promise<void> {
    if (this.active < this.size) {
      this.active += 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    const next = this.waiting.shift();
    // The slot passes straight to the next waiter, so `active` stays the same.
    if (next) next();
    else this.active -= 1;
  }

  get inUse(): number {
    return this.active;
  }
}
