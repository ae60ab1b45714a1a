// bench/experiment-stats: the sequential test's error rate and power over many simulated experiments,
// each peeked at after every window, next to a classical z-test peeked at the same way (the baseline
// that shows why peeking needs an always-valid test). Pure CPU: no NATS, no database.
import { parseGuardrail, parsePrimary, simulateExperiments, type ExperimentPlan, type SimulatedMetric } from '@keelson/experiment-stats';
import { experimentStatsArgs } from './args.js';
import { naivePeekingFalsePositives } from './naive-peeking.js';
import { printReport, type ScenarioFigures } from './report.js';

const args = experimentStatsArgs(process.argv.slice(2));
const log = (line: string) => console.error(`bench: ${line}`);

const confidence: SimulatedMetric = { name: 'confidence_mean', distribution: 'normal', mean: 0.7, sd: 0.15, candidateShift: 0 };
const latency: SimulatedMetric = { name: 'latency_ms', distribution: 'lognormal', mean: 40, sd: 15, candidateShift: 0 };
const plan = (guardrails: string[], primary = 'confidence_mean:higher'): ExperimentPlan => ({
  primary: parsePrimary(primary),
  guardrails: guardrails.map(parseGuardrail),
  alpha: args.alpha,
  minSamples: 4 * args.perWindow,
  maxDurationMs: args.windows * 60_000,
});

interface Scenario {
  name: string;
  kind: 'A/A' | 'A/B';
  plan: ExperimentPlan;
  metrics: SimulatedMetric[];
  perWindow?: number;
}

const scenarios: Scenario[] = [
  { name: 'normal metric', kind: 'A/A', plan: plan([]), metrics: [confidence] },
  { name: 'skewed (lognormal) metric, lower is better', kind: 'A/A', plan: plan([], 'latency_ms:lower'), metrics: [latency] },
  { name: 'primary + latency guardrail max+10%', kind: 'A/A', plan: plan(['latency_ms:max+10%']), metrics: [confidence, latency] },
  { name: 'small windows (5 values)', kind: 'A/A', plan: { ...plan([]), minSamples: 20 }, metrics: [confidence], perWindow: 5 },
  { name: 'candidate +0.1 sd', kind: 'A/B', plan: plan([]), metrics: [{ ...confidence, candidateShift: 0.015 }] },
  {
    name: 'candidate +0.2 sd, guardrail holds',
    kind: 'A/B',
    plan: plan(['latency_ms:max+10%']),
    metrics: [{ ...confidence, candidateShift: 0.03 }, latency],
  },
  {
    name: 'candidate +0.2 sd but 25 % slower',
    kind: 'A/B',
    plan: plan(['latency_ms:max+10%']),
    metrics: [
      { ...confidence, candidateShift: 0.03 },
      { ...latency, candidateShift: 10 },
    ],
  },
];

const figures: ScenarioFigures[] = [];
for (const [i, s] of scenarios.entries()) {
  const experiments = s.kind === 'A/A' ? args.experiments : Math.max(100, Math.floor(args.experiments / 10));
  log(`${s.kind} ${s.name}: ${experiments} experiments…`);
  const started = performance.now();
  const result = simulateExperiments({
    plan: s.plan,
    metrics: s.metrics,
    experiments,
    samplesPerWindow: s.perWindow ?? args.perWindow,
    windowMs: 60_000,
    seed: args.seed + i,
    relativeAccuracy: 0.1,
  });
  figures.push({ name: s.name, kind: s.kind, result, seconds: (performance.now() - started) / 1000 });
}
log(`baseline: classical z-test peeked after every window, ${args.experiments} A/A experiments…`);
const naive = naivePeekingFalsePositives(args.experiments, args.windows, args.perWindow, args.alpha, args.seed + 100);
printReport(args, figures, naive);
