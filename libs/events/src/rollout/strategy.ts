import { z } from 'zod';

/** One wave: the cumulative share of devices updated once it is done, and who opens it. */
export const Wave = z.strictObject({
  percent: z.number().int().min(1).max(100),
  gate: z.enum(['auto', 'manual']),
});
export type Wave = z.infer<typeof Wave>;

/**
 * The relative half of the halt rule: once at least `minFinished` devices have finished (since the
 * last resume), the rollout halts when more than `maxPercent` % of them failed.
 */
export const FailureRate = z.strictObject({
  maxPercent: z.number().min(0).max(100),
  minFinished: z.number().int().min(1).max(100_000),
});
export type FailureRate = z.infer<typeof FailureRate>;

/** How long an assigned device may take to reach a terminal state when the strategy does not say. */
export const defaultDeviceTimeoutSeconds = 1800;

/**
 * How fast a rollout widens and how much failure it tolerates. Wave percentages are cumulative, so
 * they must rise strictly (an empty wave would be a gate with nothing behind it) and end at 100
 * (a rollout that stops short of its group would never finish). `maxFailures` is the number of
 * devices that may end `rolled_back`, `failed` or timed out before the rollout halts itself;
 * `failureRate` optionally halts it earlier on a share of finished devices. `maxConcurrent` caps
 * the devices in flight at once (a large wave is assigned in slices). `deviceTimeoutSeconds`
 * (absent: `defaultDeviceTimeoutSeconds`) is how long a reachable, assigned device may take before
 * it counts as `failed` with reason `timeout`. The three were added later: optional, so strategies
 * written before them still parse to themselves.
 */
export const Strategy = z
  .strictObject({
    waves: z.array(Wave).min(1).max(20),
    maxFailures: z.number().int().min(0).default(0),
    failureRate: FailureRate.optional(),
    maxConcurrent: z.number().int().min(1).max(100_000).optional(),
    // at least a minute (a probe alone may take 300 s x 10), at most a week
    deviceTimeoutSeconds: z.number().int().min(60).max(604_800).optional(),
  })
  .superRefine(({ waves }, ctx) => {
    waves.forEach((wave, i) => {
      const previous = waves[i - 1];
      if (previous && wave.percent <= previous.percent) {
        ctx.addIssue({ code: 'custom', path: ['waves', i, 'percent'], message: `must be above the previous wave's ${previous.percent}` });
      }
    });
    const last = waves.at(-1);
    if (last && last.percent !== 100) {
      ctx.addIssue({ code: 'custom', path: ['waves', waves.length - 1, 'percent'], message: 'the last wave must reach 100' });
    }
  });
export type Strategy = z.infer<typeof Strategy>;

/** The per-device timeout a strategy sets, in seconds. */
export const deviceTimeoutSecondsOf = (strategy: Strategy): number => strategy.deviceTimeoutSeconds ?? defaultDeviceTimeoutSeconds;

/**
 * How many devices (in rollout order) are covered once wave `i` has started: waves are cumulative
 * percentages, so wave i covers the first ceil(percent_i / 100 x n) devices, at least one.
 */
export function coveredBy(strategy: Strategy, wave: number, deviceCount: number): number {
  const percent = strategy.waves[wave]?.percent ?? 100;
  // integer ceiling: no floating-point surprise at exact multiples
  return Math.min(deviceCount, Math.max(1, Math.floor((percent * deviceCount + 99) / 100)));
}

/** The wave of the device at `index` in rollout order (0-based) among `deviceCount`. */
export function waveOfIndex(strategy: Strategy, index: number, deviceCount: number): number {
  const wave = strategy.waves.findIndex((_, i) => index < coveredBy(strategy, i, deviceCount));
  return wave === -1 ? strategy.waves.length - 1 : wave;
}
