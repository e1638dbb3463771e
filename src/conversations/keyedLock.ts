// Runs async work one at a time per key (per thread), in arrival order.
//
// Why: a contact's messages must see each other's state changes: the rules decide on the thread as
// the previous message left it. Within one instance this lock orders them; across instances the
// thread's counts still add up, because its update is one atomic `$set`/`$inc`.
export class KeyedLock {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(work, work);
    const tail = result.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /** Keys with work queued or running (for tests and metrics). */
  get size(): number {
    return this.tails.size;
  }
}
