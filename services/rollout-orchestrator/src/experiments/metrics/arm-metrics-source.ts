import type { MetricSummary } from '@keelson/experiment-stats';
import type { ExperimentFacts } from '../domain/experiment.js';

/** One window of one metric on one arm: every device's summary of that window merged. */
export interface ArmWindow {
  /** When the window ended (ISO time): windows are grouped into looks by it. */
  windowEnd: string;
  summary: MetricSummary;
}

/** What a source needs to know of an experiment: what it compares and which devices are in each arm. */
export type ArmedExperiment = Pick<ExperimentFacts, 'created' | 'candidateDeviceIds' | 'controlDeviceIds'>;

/**
 * Where the decision step gets its data: per experiment, arm and metric, the window summaries of the
 * arm's devices that the telemetry stream accepted after `since` (`telemetryArmMetrics`).
 */
export interface ArmMetricsSource {
  summaries(experiment: ArmedExperiment, arm: 'candidate' | 'control', metric: string, since: string): Promise<ArmWindow[]>;
}

/**
 * A source with no data, ever: an experiment judged on it never promotes or aborts on its own; it
 * ends `inconclusive` at its max duration. The judging spec uses it for that case.
 */
export const noArmMetrics: ArmMetricsSource = {
  summaries: () => Promise.resolve([]),
};
