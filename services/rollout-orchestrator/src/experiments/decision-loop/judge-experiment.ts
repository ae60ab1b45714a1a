import {
  assessWindows,
  decideExperiment,
  mergeAll,
  parseGuardrail,
  parsePrimary,
  type ExperimentDecision,
  type ExperimentPlan,
  type ExperimentWindow,
  type MetricSummary,
} from '@keelson/experiment-stats';
import type { ExperimentCreated } from '@keelson/events';
import type { ArmedExperiment, ArmMetricsSource, ArmWindow } from '../metrics/arm-metrics-source.js';

/**
 * How much time one look of the sequential test covers by default (`KEELSON_EXPERIMENT_LOOK_SECONDS`).
 * Counted from the experiment's creation, so a restart (or another replica) with the same setting
 * folds the same windows into the same looks.
 */
export const lookMs = 60_000;

/** The statistical plan of an experiment as it was recorded. */
export function planOf(created: ExperimentCreated['data']): ExperimentPlan {
  const { plan } = created;
  return {
    primary: parsePrimary(plan.primary),
    guardrails: plan.guardrails.map(parseGuardrail),
    alpha: plan.alpha,
    minSamples: plan.minSamples,
    maxDurationMs: plan.maxDurationSeconds * 1000,
  };
}

type Arm = 'candidate' | 'control';

/** Merges each complete look's windows per metric: look k covers (start + k·look, start + (k+1)·look]. */
function looksOf(
  start: number,
  now: number,
  look: number,
  byMetric: Map<string, ArmWindow[]>,
  arm: Arm,
  into: ExperimentWindow[],
): Record<string, number> {
  const complete = Math.floor((now - start) / look);
  const devices: Record<string, number> = {};
  for (const [metric, windows] of byMetric) {
    const perLook = new Map<number, MetricSummary[]>();
    const senders = new Set<string>();
    for (const w of windows) {
      const k = Math.ceil((Date.parse(w.windowEnd) - start) / look) - 1;
      if (k < 0 || k >= complete) continue; // before the experiment, or a look still open
      perLook.set(k, [...(perLook.get(k) ?? []), w.summary]);
      senders.add(w.deviceId);
    }
    devices[metric] = senders.size;
    for (const [k, summaries] of perLook) {
      into[k] ??= { candidate: {}, control: {} };
      const merged = mergeAll(summaries);
      if (merged) into[k][arm][metric] = merged;
    }
  }
  return devices;
}

/** A decision and, per arm and metric, how many devices sent the values it was made on. */
export type JudgedDecision = ExperimentDecision & { devices: Record<Arm, Record<string, number>> };

/**
 * The decision on the data so far: the merged summaries per arm and metric from `source`, folded
 * look by look into the always-valid test, judged by `decideExperiment`. With no data at all the
 * outcome is `continue` until the max duration, then `inconclusive`: never a promotion.
 */
export async function judgeExperiment(
  source: ArmMetricsSource,
  experiment: ArmedExperiment,
  now: Date,
  look = lookMs,
): Promise<JudgedDecision> {
  const { created } = experiment;
  const plan = planOf(created);
  const metrics = [plan.primary.metric, ...plan.guardrails.map((g) => g.metric)];
  const start = Date.parse(created.createdAt);
  const windows: ExperimentWindow[] = [];
  const devices: JudgedDecision['devices'] = { candidate: {}, control: {} };
  for (const arm of ['candidate', 'control'] as const) {
    const byMetric = new Map<string, ArmWindow[]>();
    for (const metric of new Set(metrics)) byMetric.set(metric, await source.summaries(experiment, arm, metric, created.createdAt));
    devices[arm] = looksOf(start, now.getTime(), look, byMetric, arm, windows);
  }
  const looks = windows.filter((w): w is ExperimentWindow => w !== undefined);
  return { ...decideExperiment(plan, assessWindows(plan, looks), now.getTime() - start), devices };
}
