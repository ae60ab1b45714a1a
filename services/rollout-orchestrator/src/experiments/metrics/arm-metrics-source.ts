import type { MetricSummary } from '@keelson/experiment-stats';

/** One window of one metric on one arm: every device's summary of that window merged. */
export interface ArmWindow {
  /** When the window ended (ISO time): windows are grouped into looks by it. */
  windowEnd: string;
  summary: MetricSummary;
}

/**
 * Where the decision step gets its data: per experiment, arm and metric, the merged window summaries
 * that ended after `since`. The device telemetry stream answers it once device metrics are ingested.
 */
export interface ArmMetricsSource {
  summaries(experimentId: string, arm: 'candidate' | 'control', metric: string, since: string): Promise<ArmWindow[]>;
}

/**
 * The source until device metrics are ingested: no data, ever. An experiment judged on it never
 * promotes or aborts on its own; it ends `inconclusive` at its max duration and waits for a person.
 */
export const noArmMetrics: ArmMetricsSource = {
  summaries: () => Promise.resolve([]),
};
