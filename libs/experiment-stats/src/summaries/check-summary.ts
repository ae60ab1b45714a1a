import { InvalidInput, type InputIssue } from '@keelson/domain-kit';
import type { MetricSummary } from './metric-summary.js';
import type { QuantileSketch } from './quantile-sketch.js';

/**
 * Refuses a summary that cannot be the summary of any values: a bug or a lying sender upstream. Checked
 * before anything is merged, so a bad window changes nothing; every problem is listed at once.
 */
export function assertSummary(s: MetricSummary, path: (string | number)[]): void {
  const issues: InputIssue[] = [];
  const problem = (field: string, message: string) => issues.push({ path: [...path, field], message });
  if (!Number.isInteger(s.count) || s.count < 0) problem('count', `must be a non-negative integer, got ${s.count}`);
  if (!Number.isFinite(s.sum)) problem('sum', `must be finite, got ${s.sum}`);
  if (!Number.isFinite(s.sumOfSquares) || s.sumOfSquares < 0)
    problem('sumOfSquares', `must be finite and non-negative, got ${s.sumOfSquares}`);
  // Cauchy–Schwarz: Σx² ≥ (Σx)²/n for any values; allow for rounding.
  else if (s.count > 0 && s.sumOfSquares < ((s.sum * s.sum) / s.count) * (1 - 1e-9) - 1e-9) {
    problem('sumOfSquares', `${s.sumOfSquares} is below sum²/count (${(s.sum * s.sum) / s.count}): no values have these moments`);
  }
  sketchIssues(s.sketch).forEach((message) => problem('sketch', message));
  const binned = s.sketch.zeroCount + countOf(s.sketch.positive) + countOf(s.sketch.negative);
  if (binned !== s.count) problem('sketch', `holds ${binned} values but count is ${s.count}`);
  if (issues.length > 0) throw new InvalidInput('summary.invalid', issues);
}

function sketchIssues(sketch: QuantileSketch): string[] {
  const found: string[] = [];
  if (!(sketch.relativeAccuracy > 0 && sketch.relativeAccuracy < 1))
    found.push(`relativeAccuracy must be in (0, 1), got ${sketch.relativeAccuracy}`);
  if (!Number.isInteger(sketch.zeroCount) || sketch.zeroCount < 0)
    found.push(`zeroCount must be a non-negative integer, got ${sketch.zeroCount}`);
  for (const side of ['positive', 'negative'] as const) {
    const bins = sketch[side];
    // Merging walks both lists in key order: unsorted or repeated keys would be merged wrongly.
    const sorted = bins.every(([key], i) => Number.isInteger(key) && (i === 0 || key > (bins[i - 1] as [number, number])[0]));
    if (!sorted) found.push(`${side} bins must have integer keys in strictly ascending order`);
    if (!bins.every(([, c]) => Number.isInteger(c) && c > 0)) found.push(`${side} bin counts must be positive integers`);
  }
  return found;
}

const countOf = (bins: [number, number][]) => bins.reduce((n, [, c]) => n + c, 0);
