import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

export interface BenchArgs {
  devices: number;
  /** Enrollments and agent starts in flight at once. */
  enrollConcurrency: number;
  artifactKiB: number;
  /** Whole run, enrollment included; the bench cleans up and exits non-zero past it. */
  timeoutSeconds: number;
  /** Child processes the simulated fleet is split over (1: all in the bench process). */
  fleetProcs: number;
  /** Profile every process over the rollout window and keep the profiles and counters here (absolute). */
  cpuProfDir?: string;
}

/** `--name`'s value as a whole number from 1 to `max`, `fallback` when absent. */
export function positiveInt(name: string, raw: string | undefined, fallback: number, max: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new Error(`--${name} must be an integer 1-${max}, got '${raw}'`);
  return n;
}

export function benchArgs(argv: string[]): BenchArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      devices: { type: 'string' },
      'enroll-concurrency': { type: 'string' },
      'artifact-kib': { type: 'string' },
      'timeout-s': { type: 'string' },
      'cpu-prof': { type: 'string' },
      'fleet-procs': { type: 'string' },
      'fleet-workers': { type: 'string' },
    },
    strict: true,
  });
  if (values['fleet-workers'] !== undefined) {
    throw new Error('--fleet-workers (worker threads, sharing one file-descriptor limit) was replaced by --fleet-procs K (child processes)');
  }
  return {
    // A group names at most 10,000 devices.
    devices: positiveInt('devices', values.devices, 1000, 10_000),
    enrollConcurrency: positiveInt('enroll-concurrency', values['enroll-concurrency'], 32, 256),
    artifactKiB: positiveInt('artifact-kib', values['artifact-kib'], 64, 1024 * 1024),
    timeoutSeconds: positiveInt('timeout-s', values['timeout-s'], 900, 24 * 3600),
    fleetProcs: positiveInt('fleet-procs', values['fleet-procs'], 1, 64),
    ...(values['cpu-prof'] ? { cpuProfDir: resolve(values['cpu-prof']) } : {}),
  };
}
