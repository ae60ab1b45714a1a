import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { positiveInt } from '../rollout-fanout/args.js';

export interface Rollout100kArgs {
  devices: number;
  /** Registrations and device reports in flight at once. */
  concurrency: number;
  /** Whole run; the bench cleans up and exits non-zero past it. */
  timeoutSeconds: number;
  /** Profile every service over the create request, into this directory (absolute). */
  cpuProfDir?: string;
}

export function rollout100kArgs(argv: string[]): Rollout100kArgs {
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
    // a rollout takes at most 400,000 devices (maxRolloutDevices)
    devices: positiveInt('devices', values.devices, 100_000, 400_000),
    concurrency: positiveInt('concurrency', values.concurrency, 256, 4096),
    timeoutSeconds: positiveInt('timeout-s', values['timeout-s'], 3600, 24 * 3600),
    ...(values['cpu-prof'] ? { cpuProfDir: resolve(values['cpu-prof']) } : {}),
  };
}
