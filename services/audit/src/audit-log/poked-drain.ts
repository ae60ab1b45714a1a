import type { Logger } from '@nestjs/common';
import type { DeclaredWorker } from '@keelson/service-kit';

export interface PokedDrainOptions {
  /** Names the worker in the runner's log lines. */
  name: string;
  logger: Logger;
  /** Says what failed in the warning, e.g. `relaying audit entries to AUDIT_EVENTS`. */
  doing: string;
  everyMs: number;
  /** One round: does what is due until there is nothing left or `stopped()` says so. */
  round: (stopped: () => boolean) => Promise<void>;
  /** After every round, failed or not (a gauge of what is still due). */
  after?: () => Promise<void>;
}

/**
 * A worker that drains what is due in rounds: at once when an entry was committed here (`poke`),
 * and every `everyMs` for entries another replica committed or a round that failed. A poke during
 * a round runs one more round after it, never two at once; `stop` waits for the round in flight.
 * The audit's relay to AUDIT_EVENTS and its webhook sinks both run on it, on every replica (their
 * rows are taken with SKIP LOCKED, so replicas share the work).
 */
export function pokedDrain(options: PokedDrainOptions): DeclaredWorker & { poke(): void } {
  let timer: NodeJS.Timeout | undefined;
  let draining: Promise<void> | undefined;
  let again = false;
  let stopped = true;
  const drain = async () => {
    try {
      do {
        again = false;
        await options.round(() => stopped);
      } while (again && !stopped);
    } finally {
      await options.after?.();
    }
  };
  const poke = () => {
    if (stopped) return;
    if (draining) {
      again = true;
      return;
    }
    draining = drain()
      .catch((err: unknown) =>
        options.logger.warn(`${options.doing} failed, retrying: ${err instanceof Error ? err.message : String(err)}`),
      )
      .finally(() => (draining = undefined));
  };
  return {
    name: options.name,
    replicas: 'every-replica',
    poke,
    start: () => {
      stopped = false;
      poke();
      timer = setInterval(poke, options.everyMs);
      timer.unref();
    },
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await draining;
    },
  };
}
