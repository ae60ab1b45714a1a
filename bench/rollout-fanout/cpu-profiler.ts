// A V8 CPU profiler over a window of a process's life, started and stopped on demand.
//
// Loaded into each service with `NODE_OPTIONS=--import=<this file>` when the bench runs with
// `--cpu-prof DIR`, and used in-process by the bench itself. Why not `node --cpu-prof`: it writes its
// profile only on a normal exit, and the services re-raise SIGTERM after their Nest shutdown hooks
// (so they die by the signal and the profile is lost); and a whole-life profile mixes start-up and
// enrollment into the rollout. Here SIGWINCH toggles: the first starts sampling, the second stops and
// writes `<KEELSON_CPU_PROF_DIR>/<pid>.cpuprofile` (renamed into place, so a reader never sees half a file).
// SIGWINCH because it is ignored by default (a process without this preload is unharmed) and Nest's
// shutdown hooks do not take it (they take SIGUSR2: that one closes the service).
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';

/** Sampling period in microseconds: V8's default for `--cpu-prof`, about 1000 samples per busy second. */
const samplingIntervalUs = 1000;

export interface WindowProfiler {
  start(): Promise<void>;
  /** Stops sampling and writes the profile; resolves to its path. */
  stop(): Promise<string>;
}

export function windowProfiler(dir: string): WindowProfiler {
  const session = new Session();
  session.connect();
  return {
    async start() {
      await session.post('Profiler.enable');
      await session.post('Profiler.setSamplingInterval', { interval: samplingIntervalUs });
      await session.post('Profiler.start');
    },
    async stop() {
      const { profile } = await session.post('Profiler.stop');
      await session.post('Profiler.disable');
      mkdirSync(dir, { recursive: true });
      const file = join(dir, `${process.pid}.cpuprofile`);
      writeFileSync(`${file}.tmp`, JSON.stringify(profile));
      renameSync(`${file}.tmp`, file);
      return file;
    },
  };
}

// As a preload: only when the bench asked for it (the variable is set on the profiled services only).
const preloadDir = process.env.KEELSON_CPU_PROF_DIR;
if (preloadDir) {
  const profiler = windowProfiler(preloadDir);
  let running = false;
  let busy: Promise<unknown> = Promise.resolve();
  process.on('SIGWINCH', () => {
    // Signals can arrive while the previous toggle is still being posted: keep them in order.
    busy = busy
      .then(async () => {
        if (running) await profiler.stop();
        else await profiler.start();
        running = !running;
      })
      .catch((err: unknown) => console.error(`cpu-profiler: ${String(err)}`));
  });
}
