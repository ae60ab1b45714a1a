import { summarize } from '../summaries/metric-summary.js';
import { initialAssessment, observeWindow, type ExperimentWindow } from '../decisions/assessment.js';
import { judge, type Outcome } from '../decisions/decide-experiment.js';
import type { ExperimentPlan } from '../decisions/experiment-plan.js';
import { seededRandom, type SeededRandom } from './seeded-random.js';

// Read once: a global lookup per drawn value is slow inside Jest's VM context, where the specs run this.
const { exp, log, sqrt } = Math;

/** How one simulated metric's values are drawn on the control arm, and how the candidate differs. */
export interface SimulatedMetric {
  name: string;
  /** `normal`, or `lognormal` (skewed like latencies) with this mean and standard deviation. */
  distribution: 'normal' | 'lognormal';
  mean: number;
  sd: number;
  /** The candidate's mean minus the control's (0 for an A/A run). */
  candidateShift: number;
}

/** A batch of simulated experiments, each peeked at after every window until it decides or its budget is spent. */
export interface SimulationSettings {
  plan: ExperimentPlan;
  metrics: SimulatedMetric[];
  experiments: number;
  samplesPerWindow: number;
  windowMs: number;
  seed: number;
  /** The sketches' accuracy; a coarser one (fewer bins) makes big batches faster and leaves the test unchanged. */
  relativeAccuracy?: number;
}

/** How many experiments ended each way, and after how many windows on average. */
export interface SimulationResult {
  experiments: number;
  outcomes: Record<Outcome, number>;
  meanWindowsToEnd: number;
}

/** Runs the batch: the same settings always give the same result. */
export function simulateExperiments(s: SimulationSettings): SimulationResult {
  const random = seededRandom(s.seed);
  const outcomes: Record<Outcome, number> = { promote: 0, abort: 0, continue: 0, inconclusive: 0 };
  let windowsTotal = 0;
  for (let e = 0; e < s.experiments; e++) {
    let assessment = initialAssessment(s.plan);
    for (let w = 1; ; w++) {
      assessment = observeWindow(s.plan, assessment, drawWindow(s, random));
      const { outcome } = judge(s.plan, assessment, w * s.windowMs);
      if (outcome !== 'continue') {
        outcomes[outcome]++;
        windowsTotal += w;
        break;
      }
    }
  }
  return { experiments: s.experiments, outcomes, meanWindowsToEnd: windowsTotal / s.experiments };
}

function drawWindow(s: SimulationSettings, random: SeededRandom): ExperimentWindow {
  const window: ExperimentWindow = { candidate: {}, control: {} };
  for (const m of s.metrics) {
    window.control[m.name] = summarize(draw(m, 0, s.samplesPerWindow, random), s.relativeAccuracy);
    window.candidate[m.name] = summarize(draw(m, m.candidateShift, s.samplesPerWindow, random), s.relativeAccuracy);
  }
  return window;
}

function draw(m: SimulatedMetric, shift: number, n: number, random: SeededRandom): number[] {
  const mean = m.mean + shift;
  if (m.distribution === 'normal') return Array.from({ length: n }, () => mean + m.sd * random.normal());
  // A lognormal with this mean and sd: σ² = ln(1 + sd²/mean²), μ = ln(mean) − σ²/2.
  const sigma = sqrt(log(1 + (m.sd * m.sd) / (mean * mean)));
  const mu = log(mean) - (sigma * sigma) / 2;
  return Array.from({ length: n }, () => exp(mu + sigma * random.normal()));
}
