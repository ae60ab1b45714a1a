import { parseArgs } from 'node:util';

export interface ExperimentStatsArgs {
  /** Simulated experiments per scenario. */
  experiments: number;
  /** Windows before --max-duration ends an experiment. */
  windows: number;
  /** Values per arm per window. */
  perWindow: number;
  alpha: number;
  seed: number;
}

/** `--experiments 10000 --windows 60 --per-window 50 --alpha 0.05 --seed 1`. */
export function experimentStatsArgs(argv: string[]): ExperimentStatsArgs {
  const options = {
    experiments: { type: 'string' },
    windows: { type: 'string' },
    'per-window': { type: 'string' },
    alpha: { type: 'string' },
    seed: { type: 'string' },
  } as const;
  const { values } = parseArgs({ args: argv, options, strict: true });
  const int = (name: string, raw: string | undefined, fallback: number, min: number, max: number) => {
    const n = Number(raw ?? fallback);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} must be an integer ${min}-${max}, got '${raw}'`);
    return n;
  };
  const alpha = Number(values.alpha ?? 0.05);
  if (!(alpha > 0 && alpha <= 0.5)) throw new Error(`--alpha must be in (0, 0.5], got '${values.alpha}'`);
  return {
    experiments: int('experiments', values.experiments, 10_000, 100, 1_000_000),
    windows: int('windows', values.windows, 60, 2, 10_000),
    perWindow: int('per-window', values['per-window'], 50, 2, 100_000),
    alpha,
    seed: int('seed', values.seed, 1, 0, 2 ** 32 - 1),
  };
}
