import type { SimulationResult } from '@keelson/experiment-stats';
import type { ExperimentStatsArgs } from './args.js';

/** One scenario's outcome counts and how long it took. */
export interface ScenarioFigures {
  name: string;
  kind: 'A/A' | 'A/B';
  result: SimulationResult;
  seconds: number;
}

/** Wilson score interval (95 %) for a proportion: how far a simulated rate can be from the true one. */
function wilson(hits: number, n: number): [number, number] {
  const z = 1.959964;
  const p = hits / n;
  const centre = (p + (z * z) / (2 * n)) / (1 + (z * z) / n);
  const half = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / (1 + (z * z) / n);
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

const pct = (x: number) => `${(100 * x).toFixed(2)} %`;

export function printReport(args: ExperimentStatsArgs, figures: ScenarioFigures[], naiveRate: number): void {
  console.log(
    `experiment-stats: alpha ${args.alpha}, up to ${args.windows} windows of ${args.perWindow} values per arm, peeked after every window, seed ${args.seed}`,
  );
  for (const f of figures) {
    const { experiments, outcomes, meanWindowsToEnd } = f.result;
    const wrong = outcomes.promote + outcomes.abort;
    const [lo, hi] = wilson(f.kind === 'A/A' ? wrong : outcomes.promote, experiments);
    const headline =
      f.kind === 'A/A'
        ? `wrong decisions ${pct(wrong / experiments)} (95 % CI ${pct(lo)}–${pct(hi)})`
        : `promoted ${pct(outcomes.promote / experiments)} (95 % CI ${pct(lo)}–${pct(hi)}), aborted ${pct(outcomes.abort / experiments)}`;
    console.log(
      `  ${f.kind} ${f.name.padEnd(44)} n=${experiments}  ${headline}  inconclusive ${pct(outcomes.inconclusive / experiments)}` +
        `  mean windows ${meanWindowsToEnd.toFixed(1)}  ${f.seconds.toFixed(1)} s`,
    );
  }
  console.log(
    `  baseline: classical z-test, A/A, peeked after every window: wrong decisions ${pct(naiveRate)} (nominal ${pct(args.alpha)})`,
  );
  console.log(`JSON ${JSON.stringify({ args, scenarios: figures, naivePeekingFalsePositiveRate: naiveRate })}`);
}
