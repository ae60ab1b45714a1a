import { assertSummary } from '../summaries/check-summary.js';
import { mergeSummaries, type MetricSummary } from '../summaries/metric-summary.js';
import { initialTestState, lookAt, type TestSettings, type TestState } from '../sequential/contrast-test.js';
import { checkPlan, guardrailContrast, primaryContrast, type ExperimentPlan } from './experiment-plan.js';

/** One window's summaries, per arm and per metric name; a metric missing on an arm had no values there. */
export interface ExperimentWindow {
  candidate: Record<string, MetricSummary>;
  control: Record<string, MetricSummary>;
}

/**
 * Each arm's metrics so far (every window merged) and each test's state: all a decision needs. Before a
 * test's first look its interval is ±Infinity, which JSON turns into null: to resume after a restart,
 * fold the stored windows again (`assessWindows`) rather than storing this; the decision's evidence is
 * the JSON-safe record.
 */
export interface Assessment {
  windows: number;
  candidate: Record<string, MetricSummary>;
  control: Record<string, MetricSummary>;
  primary: TestState;
  /** In the order of the plan's guardrails. */
  guardrails: TestState[];
}

export function initialAssessment(plan: ExperimentPlan): Assessment {
  checkPlan(plan);
  return { windows: 0, candidate: {}, control: {}, primary: initialTestState(), guardrails: plan.guardrails.map(initialTestState) };
}

/**
 * Adds one window and looks at every test once: the peek after each window that the sequential test
 * allows. Folding the same windows in the same order always gives the same assessment.
 */
export function observeWindow(plan: ExperimentPlan, before: Assessment, window: ExperimentWindow): Assessment {
  for (const arm of ['candidate', 'control'] as const) {
    for (const [metric, summary] of Object.entries(window[arm])) assertSummary(summary, [arm, metric]);
  }
  const candidate = mergeArm(before.candidate, window.candidate);
  const control = mergeArm(before.control, window.control);
  const settings: TestSettings = { alpha: plan.alpha, tuningSamples: plan.tuningSamples ?? plan.minSamples };
  const look = (state: TestState, metric: string, contrast = primaryContrast) => {
    const c = candidate[metric];
    const k = control[metric];
    return c && k ? lookAt(state, c, k, contrast, settings) : state;
  };
  return {
    windows: before.windows + 1,
    candidate,
    control,
    primary: look(before.primary, plan.primary.metric),
    guardrails: plan.guardrails.map((g, i) => look(before.guardrails[i] ?? initialTestState(), g.metric, guardrailContrast(g))),
  };
}

/** The assessment after `windows`, in order. */
export function assessWindows(plan: ExperimentPlan, windows: readonly ExperimentWindow[]): Assessment {
  return windows.reduce<Assessment>((a, w) => observeWindow(plan, a, w), initialAssessment(plan));
}

function mergeArm(soFar: Record<string, MetricSummary>, window: Record<string, MetricSummary>): Record<string, MetricSummary> {
  const merged = { ...soFar };
  for (const [metric, summary] of Object.entries(window)) {
    const prior = merged[metric];
    merged[metric] = prior ? mergeSummaries(prior, summary) : summary;
  }
  return merged;
}
