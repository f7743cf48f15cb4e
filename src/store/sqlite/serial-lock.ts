/**
 * A promise-chain mutex: callers run one at a time, in arrival order, each to the end of its
 * async work. SQLite has one writer per file, and one connection cannot hold two transactions,
 * so the store runs every write through one of these.
 *
 * Not re-entrant: work that waits on the same lock again never starts.
 *
 * @example await lock.run(async () => { begin(); await work(); commit(); })
 */
export class SerialLock {
  #tail: Promise<unknown> = Promise.resolve();

  run<T>(work: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(work);
    // The next caller waits for this one to settle, whether it resolved or threw.
    this.#tail = result.catch(() => undefined);
    return result;
  }

  /** Resolves when every caller queued so far has finished. */
  async drain(): Promise<void> {
    await this.#tail;
  }
}
