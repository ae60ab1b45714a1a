import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { positiveInt } from '../rollout-fanout/args.js';

export interface EnrollBurstArgs {
  devices: number;
  /** Enrollment requests in flight at once. */
  concurrency: number;
  /** Whole run, set-up included; the bench cleans up and exits non-zero past it. */
  timeoutSeconds: number;
  /** Profile every process over the enrollment window and keep the profiles and counters here (absolute). */
  cpuProfDir?: string;
}

export function enrollBurstArgs(argv: string[]): EnrollBurstArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      devices: { type: 'string' },
      concurrency: { type: 'string' },
      'timeout-s': { type: 'string' },
      'cpu-prof': { type: 'string' },
    },
    strict: true,
  });
  return {
    devices: positiveInt('devices', values.devices, 2000, 100_000),
    concurrency: positiveInt('concurrency', values.concurrency, 32, 1024),
    timeoutSeconds: positiveInt('timeout-s', values['timeout-s'], 900, 24 * 3600),
    ...(values['cpu-prof'] ? { cpuProfDir: resolve(values['cpu-prof']) } : {}),
  };
}
