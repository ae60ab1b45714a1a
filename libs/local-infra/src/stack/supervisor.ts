import type { RunningService } from './launch-service.js';

/** What a supervisor keeps running: the current process of each service, and how to start one again. */
export interface Supervised<Name extends string> {
  services: Partial<Record<Name, RunningService>>;
  restart(name: Name): Promise<RunningService>;
}

export interface SupervisorOptions {
  /** The first wait before a restart; doubled after each exit that came soon after a start. */
  firstDelayMs?: number;
  maxDelayMs?: number;
  /** A process that ran this long before it exited starts its next wait from `firstDelayMs` again. */
  stableMs?: number;
  log: (line: string) => void;
}

export interface Supervisor {
  /** No restart after this; resolves once no restart is in flight (the caller then stops the services). */
  stop(): Promise<void>;
}

/**
 * Keeps services running as a cluster would: a process that exits without being stopped is started
 * again after a wait that doubles while it keeps dying soon after starting (a crash loop does not
 * spin), and each exit and restart is logged. `stop()` first, then stop the services.
 */
export function superviseServices<Name extends string>(target: Supervised<Name>, options: SupervisorOptions): Supervisor {
  const { firstDelayMs = 1_000, maxDelayMs = 30_000, stableMs = 60_000, log } = options;
  let stopped = false;
  const timers = new Set<NodeJS.Timeout>();
  const inFlight = new Set<Promise<unknown>>();
  const nextDelay = new Map<Name, number>();

  const restartLater = (name: Name, why: string): void => {
    const delay = nextDelay.get(name) ?? firstDelayMs;
    nextDelay.set(name, Math.min(delay * 2, maxDelayMs));
    log(`keelson: ${name} ${why}; starting it again in ${delay / 1000} s`);
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (stopped) return;
      const started = target.restart(name).then(
        (service) => {
          log(`keelson: ${name} started again (pid ${service.pid})`);
          watch(name, service);
        },
        (err: unknown) => restartLater(name, `did not start (${err instanceof Error ? err.message.split('\n')[0] : String(err)})`),
      );
      inFlight.add(started);
      void started.finally(() => inFlight.delete(started));
    }, delay);
    timers.add(timer);
  };

  const watch = (name: Name, service: RunningService): void => {
    const since = Date.now();
    void service.exited.then((code) => {
      if (stopped || target.services[name] !== service) return; // stopped or replaced on purpose
      if (Date.now() - since >= stableMs) nextDelay.delete(name);
      restartLater(name, `exited (${code === null ? 'killed by a signal' : `code ${code}`})`);
    });
  };

  for (const [name, service] of Object.entries(target.services) as [Name, RunningService | undefined][]) {
    if (service) watch(name, service);
  }
  return {
    async stop() {
      stopped = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await Promise.allSettled([...inFlight]);
    },
  };
}
