import { parseArgs } from 'node:util';

export interface RolloutFoldArgs {
  /** Rollout sizes to fold, in devices. */
  sizes: number[];
  /** Outcomes timed in each baseline window (at 10 %, 50 % and 90 % of the outcomes). */
  window: number;
  /** A built checkout whose orchestrator decider is the baseline (e.g. one from before the device ledger). */
  baselineCode?: string;
}

/** `--sizes 1000,10000,100000 --window 200 --baseline-code DIR`. */
export function rolloutFoldArgs(argv: string[]): RolloutFoldArgs {
  const options = { sizes: { type: 'string' }, window: { type: 'string' }, 'baseline-code': { type: 'string' } } as const;
  const { values } = parseArgs({ args: argv, options, strict: true });
  const sizes = (values.sizes ?? '1000,10000,100000').split(',').map(Number);
  if (sizes.some((n) => !Number.isInteger(n) || n < 100 || n > 200_000))
    throw new Error(`--sizes must be integers 100-200000, got '${values.sizes}'`);
  const window = Number(values.window ?? 200);
  if (!Number.isInteger(window) || window < 10 || window > 10_000)
    throw new Error(`--window must be an integer 10-10000, got '${values.window}'`);
  return { sizes, window, ...(values['baseline-code'] ? { baselineCode: values['baseline-code'] } : {}) };
}
