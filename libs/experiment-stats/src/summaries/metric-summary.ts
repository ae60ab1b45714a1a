import { defaultRelativeAccuracy, mergeSketches, sketchOf, sketchQuantile, type QuantileSketch } from './quantile-sketch.js';

/**
 * One metric's values over one window (or, merged, over many) on one arm: enough to know the mean
 * and the variance exactly and the quantiles within the sketch's relative accuracy, never the values.
 */
export interface MetricSummary {
  count: number;
  sum: number;
  sumOfSquares: number;
  sketch: QuantileSketch;
}

/** What a summary says about its metric, for a person or an audit record. */
export interface MetricFigures {
  count: number;
  mean: number;
  /** Sample variance (n − 1 in the denominator); null below 2 values (JSON has no NaN). */
  variance: number | null;
  p50: number;
  p95: number;
}

/** The summary of `values`: what an agent computes for one window. */
export function summarize(values: readonly number[], relativeAccuracy = defaultRelativeAccuracy): MetricSummary {
  const sketch = sketchOf(values, relativeAccuracy);
  let sum = 0;
  let sumOfSquares = 0;
  for (const value of values) {
    sum += value;
    sumOfSquares += value * value;
  }
  return { count: values.length, sum, sumOfSquares, sketch };
}

/** The summary of both inputs' values together; associative, so windows and devices merge in any grouping. */
export function mergeSummaries(a: MetricSummary, b: MetricSummary): MetricSummary {
  return {
    count: a.count + b.count,
    sum: a.sum + b.sum,
    sumOfSquares: a.sumOfSquares + b.sumOfSquares,
    sketch: mergeSketches(a.sketch, b.sketch),
  };
}

/** All `summaries` merged; `undefined` when there are none (no data is not the same as zero values). */
export function mergeAll(summaries: readonly MetricSummary[]): MetricSummary | undefined {
  return summaries.length === 0 ? undefined : summaries.reduce(mergeSummaries);
}

/** The arithmetic mean; NaN without values. */
export function meanOf(s: MetricSummary): number {
  return s.count === 0 ? Number.NaN : s.sum / s.count;
}

/** Sample variance from the moments; rounding can push it a hair below 0, read as 0. */
export function varianceOf(s: MetricSummary): number {
  if (s.count < 2) return Number.NaN;
  return Math.max(0, (s.sumOfSquares - (s.sum * s.sum) / s.count) / (s.count - 1));
}

/** Count, mean, variance, p50 and p95: what a person or an audit record reads of a summary. */
export function figuresOf(s: MetricSummary): MetricFigures {
  return {
    count: s.count,
    mean: meanOf(s),
    variance: s.count < 2 ? null : varianceOf(s),
    p50: sketchQuantile(s.sketch, 0.5),
    p95: sketchQuantile(s.sketch, 0.95),
  };
}
