import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { HeapProfileKind } from './heap-window.js';

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
  /**
   * Extra environment of the services, to measure memory settings: `KEY=VALUE` for every service or
   * `service:KEY=VALUE` for one (`NODE_OPTIONS=--max-semi-space-size=4`, `MALLOC_ARENA_MAX=2`).
   */
  serviceEnv: { service?: string; key: string; value: string }[];
  /** Each V8 semi-space of the services in MiB; undefined: the stack's own (0: V8's choice, as before 2026-12-06). */
  semiSpaceMiB?: number;
  /** The services' old-generation growth between full collections, percent; undefined: the stack's own (0: V8's choice, as before 2026-12-07). */
  heapGrowingPercent?: number;
  /** Leave out the broker baseline after the rollout (up to 3 minutes): for runs that measure memory or CPU only. */
  skipBaseline: boolean;
  /** Count every ack, pull and JetStream API request per consumer over the window (adds those deliveries to nats-server's work). */
  tapAcks: boolean;
  /** A sampling heap profile of the bench process and its in-process fleet over the window, kept here (absolute; `--fleet-procs 1` only). */
  heapProfDir?: string;
  /** What that profile counts (heap-window.ts): every allocation, or those that lived through a scavenge. */
  heapProfKind: HeapProfileKind;
}

/** `--name`'s value as a whole number from 1 to `max`, `fallback` when absent. */
export function positiveInt(name: string, raw: string | undefined, fallback: number, max: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new Error(`--${name} must be an integer 1-${max}, got '${raw}'`);
  return n;
}

function serviceEnvArg(raw: string): { service?: string; key: string; value: string } {
  const m = /^(?:([a-z-]+):)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(raw);
  if (!m) throw new Error(`--service-env must be KEY=VALUE or service:KEY=VALUE, got '${raw}'`);
  return { ...(m[1] ? { service: m[1] } : {}), key: m[2]!, value: m[3]! };
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
      'service-env': { type: 'string', multiple: true },
      'semi-space-mib': { type: 'string' },
      'heap-growing-percent': { type: 'string' },
      'skip-baseline': { type: 'boolean' },
      'tap-acks': { type: 'boolean' },
      'heap-prof': { type: 'string' },
      'heap-prof-survivors': { type: 'boolean' },
    },
    strict: true,
  });
  if (values['fleet-workers'] !== undefined) {
    throw new Error(
      '--fleet-workers (worker threads, sharing one file-descriptor limit) was replaced by --fleet-procs K (child processes)',
    );
  }
  const fleetProcs = positiveInt('fleet-procs', values['fleet-procs'], 1, 64);
  if (values['heap-prof'] && fleetProcs > 1) throw new Error('--heap-prof profiles the bench process: use it with --fleet-procs 1');
  if (values['heap-prof-survivors'] && !values['heap-prof']) throw new Error('--heap-prof-survivors needs --heap-prof DIR');
  return {
    // A group names at most 10,000 devices.
    devices: positiveInt('devices', values.devices, 1000, 10_000),
    enrollConcurrency: positiveInt('enroll-concurrency', values['enroll-concurrency'], 32, 256),
    artifactKiB: positiveInt('artifact-kib', values['artifact-kib'], 64, 1024 * 1024),
    timeoutSeconds: positiveInt('timeout-s', values['timeout-s'], 900, 24 * 3600),
    fleetProcs,
    ...(values['cpu-prof'] ? { cpuProfDir: resolve(values['cpu-prof']) } : {}),
    serviceEnv: (values['service-env'] ?? []).map(serviceEnvArg),
    skipBaseline: values['skip-baseline'] ?? false,
    tapAcks: values['tap-acks'] ?? false,
    ...(values['heap-prof'] ? { heapProfDir: resolve(values['heap-prof']) } : {}),
    heapProfKind: values['heap-prof-survivors'] ? 'survivors' : 'all',
    ...(values['semi-space-mib'] === '0'
      ? { semiSpaceMiB: 0 }
      : values['semi-space-mib'] !== undefined
        ? { semiSpaceMiB: positiveInt('semi-space-mib', values['semi-space-mib'], 16, 1024) }
        : {}),
    ...(values['heap-growing-percent'] === '0'
      ? { heapGrowingPercent: 0 }
      : values['heap-growing-percent'] !== undefined
        ? { heapGrowingPercent: positiveInt('heap-growing-percent', values['heap-growing-percent'], 50, 1000) }
        : {}),
  };
}
