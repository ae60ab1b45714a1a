import { InvalidInput } from '@keelson/domain-kit';
import { assertSummary } from './check-summary.js';
import { figuresOf, meanOf, mergeAll, mergeSummaries, summarize, varianceOf } from './metric-summary.js';

describe('a metric summary', () => {
  // 2, 4, 4, 4, 5, 5, 7, 9: mean 5, sum of squared deviations 32, sample variance 32/7 (a textbook example).
  const values = [2, 4, 4, 4, 5, 5, 7, 9];

  it('knows the mean and the sample variance', () => {
    const s = summarize(values);
    expect(s).toMatchObject({ count: 8, sum: 40, sumOfSquares: 232 });
    expect(meanOf(s)).toBe(5);
    expect(varianceOf(s)).toBeCloseTo(32 / 7, 12);
  });

  it('has no variance below two values and no mean without one', () => {
    expect(varianceOf(summarize([3]))).toBeNaN();
    expect(meanOf(summarize([]))).toBeNaN();
  });

  it('merges windows in any grouping to the summary of all their values', () => {
    const [a, b, c] = [summarize([2, 4, 4]), summarize([4, 5]), summarize([5, 7, 9])];
    expect(mergeSummaries(mergeSummaries(a, b), c)).toEqual(summarize(values));
    expect(mergeSummaries(a, mergeSummaries(b, c))).toEqual(summarize(values));
    expect(mergeAll([c, a, b])).toEqual(summarize(values));
    expect(mergeAll([])).toBeUndefined();
  });

  it('reports its p50 and p95 from the merged sketch', () => {
    const f = figuresOf(mergeSummaries(summarize([1, 2, 3, 4, 5]), summarize([6, 7, 8, 9, 10])));
    expect(Math.abs(f.p50 - 5)).toBeLessThanOrEqual(0.05); // rank ⌊0.5·9⌋ = 4: the value 5, within 1 %
    expect(Math.abs(f.p95 - 9)).toBeLessThanOrEqual(0.09); // rank ⌊0.95·9⌋ = 8: the value 9, within 1 %
  });

  it('does not read a variance below zero from rounding', () => {
    // 3.3 a thousand times: sumOfSquares − sum²/n comes out at about −3.6e-13 in doubles.
    expect(varianceOf(summarize(Array.from({ length: 1000 }, () => 3.3)))).toBe(0);
  });

  describe('when it cannot be the summary of any values', () => {
    it.each([
      ['a negative count', { count: -1 }],
      ['a count that the sketch does not hold', { count: 9 }],
      ['a sum that is not finite', { sum: Number.POSITIVE_INFINITY }],
      ['a negative sum of squares', { sumOfSquares: -1 }],
      ['moments no values can have (Σx² < (Σx)²/n)', { sumOfSquares: 100 }],
      ['unsorted sketch bins', { sketch: { ...summarize(values).sketch, positive: [...summarize(values).sketch.positive].reverse() } }],
      [
        'a sketch bin with a negative count',
        { sketch: { ...summarize(values).sketch, positive: [[1, -3] as [number, number], [2, 11] as [number, number]] } },
      ],
      ['a sketch accuracy of 0', { sketch: { ...summarize(values).sketch, relativeAccuracy: 0 } }],
    ])('is refused for %s', (_what, change) => {
      const bad = { ...summarize(values), ...change };
      expect(() => assertSummary(bad, ['candidate', 'latency_ms'])).toThrow(InvalidInput);
    });

    it('accepts every summary it made itself, including one of equal values', () => {
      expect(() => assertSummary(summarize(Array.from({ length: 1000 }, () => 3.3)), [])).not.toThrow();
      expect(() => assertSummary(summarize([-2.5, 0, 1e-320, 7]), [])).not.toThrow();
    });

    it('names the metric and the field in the error', () => {
      expect(() => assertSummary({ ...summarize(values), count: 9 }, ['candidate', 'latency_ms'])).toThrow(/candidate\.latency_ms\.sketch/);
    });
  });
});
