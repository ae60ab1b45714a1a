import { InvalidInput, type InputIssue } from '@keelson/domain-kit';
import type { Contrast } from '../sequential/contrast-test.js';
import type { Guardrail, PrimaryMetric } from '../specs/metric-spec.js';

/** What an experiment is judged on and when it stops: the statistical half of `experiment create`. */
export interface ExperimentPlan {
  primary: PrimaryMetric;
  guardrails: Guardrail[];
  /** The chance of a wrong call the test allows, per metric, however often it is checked (e.g. 0.05). */
  alpha: number;
  /** Samples of the primary metric each arm needs before a promotion (`--min-samples`). */
  minSamples: number;
  /** Samples per arm after which, with no decision, the experiment is inconclusive (a sample budget). */
  maxSamples?: number;
  /** Time after which, with no decision, the experiment is inconclusive (`--max-duration`). */
  maxDurationMs: number;
  /** Samples per arm where the test is tuned to be sharpest; defaults to `minSamples`. */
  tuningSamples?: number;
}

/** Refuses a plan the statistics cannot honour, listing every problem at once. */
export function checkPlan(plan: ExperimentPlan): void {
  const issues: InputIssue[] = [];
  const problem = (field: string, message: string) => issues.push({ path: [field], message });
  if (!(plan.alpha > 0 && plan.alpha <= 0.5)) problem('alpha', `must be in (0, 0.5], got ${plan.alpha}`);
  if (!Number.isInteger(plan.minSamples) || plan.minSamples < 2) problem('minSamples', `must be an integer ≥ 2, got ${plan.minSamples}`);
  if (plan.maxSamples !== undefined && !(Number.isInteger(plan.maxSamples) && plan.maxSamples >= plan.minSamples)) {
    problem('maxSamples', `must be an integer ≥ minSamples (${plan.minSamples}), got ${plan.maxSamples}`);
  }
  if (!(plan.maxDurationMs > 0 && Number.isFinite(plan.maxDurationMs)))
    problem('maxDurationMs', `must be a positive duration, got ${plan.maxDurationMs}`);
  if (plan.tuningSamples !== undefined && !(Number.isInteger(plan.tuningSamples) && plan.tuningSamples >= 2)) {
    problem('tuningSamples', `must be an integer ≥ 2, got ${plan.tuningSamples}`);
  }
  const specs = plan.guardrails.map((g) => g.spec);
  const repeated = specs.find((s, i) => specs.indexOf(s) !== i);
  if (repeated !== undefined) problem('guardrails', `'${repeated}' is given twice`);
  if (issues.length > 0) throw new InvalidInput('experiment.bad-plan', issues);
}

/** The primary metric's test is on the plain difference of means, candidate minus control. */
export const primaryContrast: Contrast = { scale: 1, shift: 0 };

/**
 * A guardrail as a contrast whose sign says breached or not: `max+10%` → μc − 1.1·μk (breached when
 * surely > 0), `min-5` → μc − μk + 5 (breached when surely < 0). Relative margins assume a positive metric.
 */
export function guardrailContrast(g: Guardrail): Contrast {
  const toward = g.bound === 'max' ? 1 : -1;
  return g.margin.kind === 'relative' ? { scale: 1 + toward * g.margin.value, shift: 0 } : { scale: 1, shift: toward * g.margin.value };
}
