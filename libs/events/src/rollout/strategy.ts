import { z } from 'zod';

/** One wave: the cumulative share of devices updated once it is done, and who opens it. */
export const Wave = z.strictObject({
  percent: z.number().int().min(1).max(100),
  gate: z.enum(['auto', 'manual']),
});
export type Wave = z.infer<typeof Wave>;

/**
 * How fast a rollout widens and how much failure it tolerates. Wave percentages are cumulative, so
 * they must rise strictly (an empty wave would be a gate with nothing behind it) and end at 100
 * (a rollout that stops short of its group would never finish). `maxFailures` is the number of
 * devices that may end `rolled_back` or `failed` before the rollout halts itself.
 */
export const Strategy = z
  .strictObject({
    waves: z.array(Wave).min(1).max(20),
    maxFailures: z.number().int().min(0).default(0),
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
