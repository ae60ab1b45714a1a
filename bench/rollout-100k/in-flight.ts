/** Runs `fn` on each item with at most `limit` calls in flight; rejects with the first failure. */
export async function eachInFlight<T>(items: Iterable<T>, limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  const iterator = items[Symbol.iterator]();
  const worker = async () => {
    for (let next = iterator.next(); !next.done; next = iterator.next()) await fn(next.value);
  };
  await Promise.all(Array.from({ length: limit }, worker));
}

/** A bound on promises in flight for a stream of work that arrives over time (device reports). */
export class InFlight {
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  private failure: unknown;

  constructor(private readonly limit: number) {}

  /** Starts `task` once a slot is free; a failure is kept and thrown by `drained`. */
  async run(task: () => Promise<void>): Promise<void> {
    while (this.running >= this.limit) await new Promise<void>((r) => this.waiting.push(r));
    this.running++;
    void task()
      .catch((err: unknown) => (this.failure ??= err))
      .finally(() => {
        this.running--;
        this.waiting.shift()?.();
      });
  }

  /** Waits until nothing is in flight; throws the first failure seen. */
  async drained(): Promise<void> {
    while (this.running > 0) await new Promise((r) => setTimeout(r, 20));
    if (this.failure) throw this.failure;
  }
}
