import { parseGuardrail, parsePrimary } from '../specs/metric-spec.js';
import type { ExperimentPlan } from '../decisions/experiment-plan.js';
import { simulateExperiments, type SimulatedMetric, type SimulationSettings } from './simulate-experiments.js';

// Whole experiments with a fixed seed, peeked at after every window until they decide. The bench
// `bench/experiment-stats` runs the same simulation larger and prints the rates.
const alpha = 0.05;
const plan: ExperimentPlan = {
  primary: parsePrimary('confidence_mean:higher'),
  guardrails: [parseGuardrail('latency_ms:max+10%')],
  alpha,
  minSamples: 100,
  maxDurationMs: 20 * 60_000,
};
const confidence: SimulatedMetric = { name: 'confidence_mean', distribution: 'normal', mean: 0.7, sd: 0.15, candidateShift: 0 };
const latency: SimulatedMetric = { name: 'latency_ms', distribution: 'lognormal', mean: 40, sd: 15, candidateShift: 0 };
const settings = (experiments: number, metrics: SimulatedMetric[], seed: number): SimulationSettings => ({
  plan,
  metrics,
  experiments,
  samplesPerWindow: 10,
  windowMs: 60_000, // 20 windows of 10 values per arm before --max-duration: small, so the file runs in seconds
  seed,
  relativeAccuracy: 0.1, // the test reads means and variances only; coarse sketches keep the file fast
});

describe('simulated experiments', () => {
  it('A/A: equal arms, checked after every window, are wrongly promoted or aborted in at most alpha of 2000 runs', () => {
    const r = simulateExperiments(settings(2000, [confidence], 14));
    const wrong = (r.outcomes.promote + r.outcomes.abort) / r.experiments;
    expect(wrong).toBeLessThanOrEqual(alpha);
    expect(r.outcomes.inconclusive + r.outcomes.promote + r.outcomes.abort).toBe(2000);
  });

  it('A/A with a guardrail: equal arms are not aborted on it, nor promoted, beyond alpha', () => {
    const r = simulateExperiments(settings(300, [confidence, latency], 17));
    expect((r.outcomes.promote + r.outcomes.abort) / r.experiments).toBeLessThanOrEqual(alpha);
  });

  it('A/B: a candidate 0.4 standard deviations better is promoted in most runs (the test is not merely timid)', () => {
    // Without a guardrail: with one, promotion also waits until the guardrail is shown to hold, which at
    // these small sizes takes most of the budget (the bench shows both at realistic sizes).
    const better = { ...confidence, candidateShift: 0.06 };
    const r = simulateExperiments({ ...settings(300, [better], 15), plan: { ...plan, guardrails: [] } });
    expect(r.outcomes.promote / r.experiments).toBeGreaterThanOrEqual(0.75);
    expect(r.outcomes.abort / r.experiments).toBeLessThanOrEqual(alpha);
  });

  it('A/B: a candidate 25 % slower is aborted on its latency guardrail in most runs', () => {
    const slower = { ...latency, candidateShift: 10 };
    const r = simulateExperiments(settings(300, [{ ...confidence, candidateShift: 0.06 }, slower], 16));
    expect(r.outcomes.abort / r.experiments).toBeGreaterThanOrEqual(0.7);
    expect(r.outcomes.promote / r.experiments).toBeLessThanOrEqual(alpha);
  });

  it('gives the same figures for the same seed', () => {
    expect(simulateExperiments(settings(50, [confidence], 3))).toEqual(simulateExperiments(settings(50, [confidence], 3)));
  });
});
