import { meanOf, mergeSummaries, seededRandom, summarize, varianceOf, type MetricSummary } from '@keelson/experiment-stats';

/**
 * The baseline: a classical two-sided z-test at α, valid for one look at a fixed sample size, looked at
 * after every window anyway. Same data model as the A/A scenario (normal values, equal arms).
 */
export function naivePeekingFalsePositives(experiments: number, windows: number, perWindow: number, alpha: number, seed: number): number {
  const random = seededRandom(seed);
  const critical = normalQuantile(1 - alpha / 2);
  const draw = () =>
    summarize(
      Array.from({ length: perWindow }, () => 0.7 + 0.15 * random.normal()),
      0.1,
    );
  let rejected = 0;
  for (let e = 0; e < experiments; e++) {
    let a: MetricSummary | undefined;
    let b: MetricSummary | undefined;
    for (let w = 0; w < windows; w++) {
      a = a ? mergeSummaries(a, draw()) : draw();
      b = b ? mergeSummaries(b, draw()) : draw();
      const z = (meanOf(a) - meanOf(b)) / Math.sqrt(varianceOf(a) / a.count + varianceOf(b) / b.count);
      if (Math.abs(z) > critical) {
        rejected++;
        break;
      }
    }
  }
  return rejected / experiments;
}

/** Φ⁻¹ by bisection on Φ (erf from Abramowitz & Stegun 7.1.26, |error| < 1.5e-7): enough for a critical value. */
function normalQuantile(p: number): number {
  const phi = (x: number) => {
    const t = 1 / (1 + (0.3275911 * Math.abs(x)) / Math.SQRT2);
    const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
    const erf = 1 - poly * Math.exp(-(x * x) / 2);
    return x >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
  };
  let [lo, hi] = [-10, 10];
  for (let i = 0; i < 100; i++) {
    const mid = (lo + hi) / 2;
    if (phi(mid) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}
