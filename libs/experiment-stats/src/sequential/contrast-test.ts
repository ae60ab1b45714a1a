import { meanOf, varianceOf, type MetricSummary } from '../summaries/metric-summary.js';
import { mixtureHalfWidth, mixturePValue, optimalMixingRatio } from './normal-mixture.js';

// Read once: inside Jest's VM context a global lookup is slow, and the simulations call this per window.
const { sqrt, max, min } = Math;

/**
 * The contrast a test is about: θ = μ_candidate − scale·μ_control − shift. The primary metric tests
 * θ = μ_candidate − μ_control; a guardrail `max+10%` tests μ_candidate − 1.1·μ_control, `max+5`
 * tests μ_candidate − μ_control − 5.
 */
export interface Contrast {
  scale: number;
  shift: number;
}

/** What a sequential test knows after its looks so far: everything needed for the next look and the decision. */
export interface TestState {
  /** Looks that had enough data to count (both arms at least 2 values and some spread). */
  looks: number;
  /** Always-valid p-value for θ = 0: the smallest 1/Λ over every look so far. */
  pValue: number;
  /** The running intersection of every look's (1 − α) interval for θ: valid at all looks at once. */
  low: number;
  high: number;
  /** The latest look's estimate of θ and its standard error. */
  estimate: number;
  standardError: number;
}

/** Settings shared by every look of one test. */
export interface TestSettings {
  alpha: number;
  /** Samples per arm at which the boundary is tuned to be narrowest (the mixing variance follows from it). */
  tuningSamples: number;
}

export const initialTestState = (): TestState => ({
  looks: 0,
  pValue: 1,
  low: Number.NEGATIVE_INFINITY,
  high: Number.POSITIVE_INFINITY,
  estimate: Number.NaN,
  standardError: Number.NaN,
});

/**
 * One look at the data: `candidate` and `control` are each arm's summary of everything so far (all windows
 * merged). Returns the state unchanged when there is not yet enough data to estimate a variance.
 *
 * The variances are estimated from the data (plug-in), as in Johari et al.'s deployed test: exact under a
 * known variance, asymptotically valid otherwise; the A/A simulation checks the error rate at real sizes.
 */
export function lookAt(
  state: TestState,
  candidate: MetricSummary,
  control: MetricSummary,
  contrast: Contrast,
  settings: TestSettings,
): TestState {
  if (candidate.count < 2 || control.count < 2) return state;
  const varCandidate = varianceOf(candidate);
  const varControl = contrast.scale * contrast.scale * varianceOf(control);
  const v = varCandidate / candidate.count + varControl / control.count;
  if (!(v > 0)) return state;
  const tau2 = optimalMixingRatio(settings.alpha) * ((varCandidate + varControl) / settings.tuningSamples);
  const estimate = meanOf(candidate) - contrast.scale * meanOf(control) - contrast.shift;
  const halfWidth = mixtureHalfWidth(v, tau2, settings.alpha);
  const low = max(state.low, estimate - halfWidth);
  const high = min(state.high, estimate + halfWidth);
  // An empty intersection happens with probability ≤ α (or when a plug-in variance misled an early look):
  // keep the interval as it was rather than an impossible one, so it never widens.
  const [l, h] = low <= high ? [low, high] : [state.low, state.high];
  return {
    looks: state.looks + 1,
    pValue: min(state.pValue, mixturePValue(estimate, v, tau2)),
    low: l,
    high: h,
    estimate,
    standardError: sqrt(v),
  };
}
