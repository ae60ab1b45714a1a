import { z } from 'zod';
import { IsoTime } from '@keelson/events';

/** One arm's figures for one metric: how many values, their mean and quantiles. */
const ArmFigures = z.strictObject({
  count: z.number().int().min(0),
  mean: z.number(),
  variance: z.number().nullable(),
  p50: z.number(),
  p95: z.number(),
});

/** One test (the primary metric or a guardrail) as the decision loop saw it. */
export const LookTest = z.strictObject({
  metric: z.string(),
  /** `higher`/`lower` for the primary metric, the allowance (`max+10%`) for a guardrail. */
  rule: z.string(),
  verdict: z.enum(['better', 'worse', 'undecided', 'breached', 'cleared', 'no-data']),
  candidate: ArmFigures.nullable(),
  control: ArmFigures.nullable(),
  /** The tested difference and its always-valid interval; null where there is no data yet. */
  estimate: z.number().nullable(),
  low: z.number().nullable(),
  high: z.number().nullable(),
  pValue: z.number(),
  looks: z.number().int().min(0),
});
export type LookTest = z.infer<typeof LookTest>;

const PerMetric = z.record(z.string(), z.number().int().min(0));

/**
 * What the decision loop judged on at its latest look: the outcome it reached (`continue` while it
 * collects), each test's figures per arm, and how many devices sent each metric on each arm.
 */
export const ExperimentLook = z.strictObject({
  judgedAt: IsoTime,
  outcome: z.enum(['promote', 'abort', 'continue', 'inconclusive']),
  reason: z.string(),
  alpha: z.number(),
  samples: z.strictObject({ candidate: z.number().int().min(0), control: z.number().int().min(0) }),
  elapsedMs: z.number(),
  primary: LookTest,
  guardrails: z.array(LookTest),
  devices: z.strictObject({ candidate: PerMetric, control: PerMetric }),
});
export type ExperimentLook = z.infer<typeof ExperimentLook>;

/**
 * Where the orchestrator publishes each look as it records it (core NATS, at most once): the api's
 * live stream of the experiment passes it on. A watcher that joins later reads the latest look from
 * the experiment's view and the earlier ones from `list-experiment-looks`.
 */
export function liveLookSubject(subjectPrefix: string, fleet: string, experimentId: string): string {
  return `${subjectPrefix}live.experiment-look.${fleet}.${experimentId}`;
}
