import type { orchestrator } from '@keelson/requests';
import { figuresOf, type MetricSummary } from '../summaries/metric-summary.js';
import type { TestState } from '../sequential/contrast-test.js';
import type { Assessment } from './assessment.js';
import type { ExperimentPlan } from './experiment-plan.js';

/** `promote` and `abort` are final; `continue` waits for more windows; `inconclusive` waits for a person. */
export type Outcome = 'promote' | 'abort' | 'continue' | 'inconclusive';

/** Why the outcome is what it is, as a stable code. */
export type Reason = 'primary-better' | 'primary-worse' | 'guardrail-breached' | 'budget-reached' | 'collecting';

/** What the data says of one test so far; for a guardrail `breached` (surely past its allowance) or `cleared` (surely within it). */
export type TestVerdict = orchestrator.LookTest['verdict'];

/**
 * One test's numbers, as a person reads them and as an audit record keeps them: the shape the
 * orchestrator publishes as a look's `LookTest` (`libs/requests`), so the two cannot drift apart.
 * `estimate` is the tested contrast (the difference of means for the primary metric, the distance to
 * the allowance for a guardrail); `low`/`high` bound its always-valid (1 − α) interval, null where unbounded.
 */
export type Evidence = orchestrator.LookTest;

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
 * surely worse; promote when it is surely better, every guardrail is surely within its allowance and both
 * arms hold `minSamples`; inconclusive once the time or sample budget is spent; otherwise continue.
 */
export function decideExperiment(plan: ExperimentPlan, assessment: Assessment, elapsedMs: number): ExperimentDecision {
  const { outcome, reason, samples, primary, guardrails } = judge(plan, assessment, elapsedMs);
  return {
    outcome,
    reason,
    alpha: plan.alpha,
    samples,
    elapsedMs,
    primary: evidence(plan.primary.metric, plan.primary.better, primary, assessment, assessment.primary),
    guardrails: plan.guardrails.map((g, i) =>
      evidence(g.metric, g.spec.slice(g.spec.lastIndexOf(':') + 1), guardrails[i] ?? 'no-data', assessment, assessment.guardrails[i]),
    ),
  };
}

/** The outcome and each test's verdict, without the figures. */
export interface Ruling {
  outcome: Outcome;
  reason: Reason;
  samples: { candidate: number; control: number };
  primary: TestVerdict;
  /** In the order of the plan's guardrails. */
  guardrails: TestVerdict[];
}

/** Rules on an assessment without reading quantiles: cheap enough to call after every simulated window. */
export function judge(plan: ExperimentPlan, a: Assessment, elapsedMs: number): Ruling {
  const primary = primaryVerdict(plan, a.primary);
  const guardrails = plan.guardrails.map((g, i) => guardrailVerdict(g.bound, a.guardrails[i]));
  const samples = { candidate: countOf(a.candidate[plan.primary.metric]), control: countOf(a.control[plan.primary.metric]) };
  const fewest = Math.min(samples.candidate, samples.control);
  const ruling = (outcome: Outcome, reason: Reason): Ruling => ({ outcome, reason, samples, primary, guardrails });
  if (guardrails.includes('breached')) return ruling('abort', 'guardrail-breached');
  if (primary === 'worse') return ruling('abort', 'primary-worse');
  // A guardrail not yet breached is not yet safe: promotion waits until each one is shown to hold.
  if (primary === 'better' && fewest >= plan.minSamples && guardrails.every((v) => v === 'cleared'))
    return ruling('promote', 'primary-better');
  const budgetSpent = elapsedMs >= plan.maxDurationMs || (plan.maxSamples !== undefined && fewest >= plan.maxSamples);
  return budgetSpent ? ruling('inconclusive', 'budget-reached') : ruling('continue', 'collecting');
}

function primaryVerdict(plan: ExperimentPlan, test: TestState): TestVerdict {
  if (test.looks === 0) return 'no-data';
  const [better, worse] = plan.primary.better === 'higher' ? [test.low > 0, test.high < 0] : [test.high < 0, test.low > 0];
  return better ? 'better' : worse ? 'worse' : 'undecided';
}

/** `max`: the contrast μc − allowance(μk) is breached above 0 and cleared below; `min` the other way round. */
function guardrailVerdict(bound: 'max' | 'min', test: TestState | undefined): TestVerdict {
  if (!test || test.looks === 0) return 'no-data';
  const [breached, cleared] = bound === 'max' ? [test.low > 0, test.high < 0] : [test.high < 0, test.low > 0];
  return breached ? 'breached' : cleared ? 'cleared' : 'undecided';
}

function evidence(metric: string, rule: string, verdict: TestVerdict, a: Assessment, test: TestState | undefined): Evidence {
  const figures = (s: MetricSummary | undefined) => (s && s.count > 0 ? figuresOf(s) : null);
  const finite = (x: number | undefined) => (x !== undefined && Number.isFinite(x) ? x : null);
  return {
    metric,
    rule,
    verdict,
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
