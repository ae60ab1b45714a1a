import { figuresOf, type MetricFigures, type MetricSummary } from '../summaries/metric-summary.js';
import type { TestState } from '../sequential/contrast-test.js';
import type { Assessment } from './assessment.js';
import type { ExperimentPlan } from './experiment-plan.js';

/** `promote` and `abort` are final; `continue` waits for more windows; `inconclusive` waits for a person. */
export type Outcome = 'promote' | 'abort' | 'continue' | 'inconclusive';

/** Why the outcome is what it is, as a stable code. */
export type Reason =
  | 'primary-better'
  | 'primary-worse'
  | 'guardrail-breached'
  | 'budget-reached'
  | 'collecting';

/** One test's numbers, as a person reads them and as an audit record keeps them. */
export interface Evidence {
  metric: string;
  /** `higher`/`lower` for the primary metric, the guardrail's spec (`max+10%`) for a guardrail. */
  rule: string;
  state: 'better' | 'worse' | 'breached' | 'holding' | 'undecided' | 'no-data';
  candidate: MetricFigures | null;
  control: MetricFigures | null;
  /** The tested contrast: the difference of means for the primary, the margin's distance for a guardrail. */
  estimate: number | null;
  /** The always-valid (1 − α) interval of the contrast; null where unbounded. */
  low: number | null;
  high: number | null;
  pValue: number;
  looks: number;
}

/** A decision with the numbers it was made on. */
export interface ExperimentDecision {
  outcome: Outcome;
  reason: Reason;
  alpha: number;
  /** Primary-metric samples per arm so far. */
  samples: { candidate: number; control: number };
  elapsedMs: number;
  primary: Evidence;
  guardrails: Evidence[];
}

/**
 * Decides from an assessment: abort as soon as a guardrail is surely breached or the primary metric is
 * surely worse; promote when it is surely better, no guardrail is breached, every guardrail has data and
 * both arms hold `minSamples`; inconclusive once the time or sample budget is spent; otherwise continue.
 */
export function decideExperiment(plan: ExperimentPlan, assessment: Assessment, elapsedMs: number): ExperimentDecision {
  const primary = primaryEvidence(plan, assessment);
  const guardrails = plan.guardrails.map((g, i) => {
    const test = assessment.guardrails[i];
    const state = !test || test.looks === 0 ? 'no-data' : (g.bound === 'max' ? test.low > 0 : test.high < 0) ? 'breached' : 'holding';
    return evidence(g.metric, g.spec.slice(g.spec.lastIndexOf(':') + 1), state, assessment, test);
  });
  const samples = { candidate: countOf(assessment.candidate[plan.primary.metric]), control: countOf(assessment.control[plan.primary.metric]) };
  const decided = (outcome: Outcome, reason: Reason): ExperimentDecision => ({
    outcome, reason, alpha: plan.alpha, samples, elapsedMs, primary, guardrails,
  });
  if (guardrails.some((g) => g.state === 'breached')) return decided('abort', 'guardrail-breached');
  if (primary.state === 'worse') return decided('abort', 'primary-worse');
  const enough = Math.min(samples.candidate, samples.control) >= plan.minSamples;
  if (primary.state === 'better' && enough && guardrails.every((g) => g.state === 'holding')) return decided('promote', 'primary-better');
  const budgetSpent =
    elapsedMs >= plan.maxDurationMs || (plan.maxSamples !== undefined && Math.min(samples.candidate, samples.control) >= plan.maxSamples);
  return budgetSpent ? decided('inconclusive', 'budget-reached') : decided('continue', 'collecting');
}

function primaryEvidence(plan: ExperimentPlan, assessment: Assessment): Evidence {
  const test = assessment.primary;
  const better = plan.primary.better === 'higher' ? test.low > 0 : test.high < 0;
  const worse = plan.primary.better === 'higher' ? test.high < 0 : test.low > 0;
  const state = test.looks === 0 ? 'no-data' : better ? 'better' : worse ? 'worse' : 'undecided';
  return evidence(plan.primary.metric, plan.primary.better, state, assessment, test);
}

function evidence(metric: string, rule: string, state: Evidence['state'], a: Assessment, test: TestState | undefined): Evidence {
  const figures = (s: MetricSummary | undefined) => (s && s.count > 0 ? figuresOf(s) : null);
  const finite = (x: number | undefined) => (x !== undefined && Number.isFinite(x) ? x : null);
  return {
    metric,
    rule,
    state,
    candidate: figures(a.candidate[metric]),
    control: figures(a.control[metric]),
    estimate: finite(test?.estimate),
    low: finite(test?.low),
    high: finite(test?.high),
    pValue: test?.pValue ?? 1,
    looks: test?.looks ?? 0,
  };
}

const countOf = (s: MetricSummary | undefined) => s?.count ?? 0;
