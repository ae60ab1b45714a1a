import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

export interface EnrollBurstArgs {
  devices: number;
  /** Enrollment requests in flight at once. */
  concurrency: number;
  /** Whole run, set-up included; the bench cleans up and exits non-zero past it. */
  timeoutSeconds: number;
  /** Profile every process over the enrollment window and keep the profiles and counters here (absolute). */
  cpuProfDir?: string;
}

function positiveInt(name: string, raw: string | undefined, fallback: number, max: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new Error(`--${name} must be an integer 1-${max}, got '${raw}'`);
  return n;
}

export function enrollBurstArgs(argv: string[]): EnrollBurstArgs {
  const { values } = parseArgs({
    args: argv,
    options: { devices: { type: 'string' }, concurrency: { type: 'string' }, 'timeout-s': { type: 'string' }, 'cpu-prof': { type: 'string' } },
    strict: true,
  });
  return {
    devices: positiveInt('devices', values.devices, 2000, 100_000),
    concurrency: positiveInt('concurrency', values.concurrency, 32, 1024),
    timeoutSeconds: positiveInt('timeout-s', values['timeout-s'], 900, 24 * 3600),
    ...(values['cpu-prof'] ? { cpuProfDir: resolve(values['cpu-prof']) } : {}),
  };
}
