/**
 * Runs tasks one at a time per key (a promise chain per key), in call order; tasks of
 * different keys run concurrently. A failing task does not stop the next one.
 */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<unknown>>();

  /** Runs `task` once every earlier task of `key` settled; resolves with its result. */
  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const next = previous.then(task, task);
    const tail = next.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    tail.then(
      () => {
        if (this.tails.get(key) === tail) this.tails.delete(key);
      },
      () => undefined,
    );
    return next;
  }
}
