import sketches from '@datadog/sketches-js';
import { InvalidInput } from '@keelson/domain-kit';
import { seededRandom } from '../simulation/seeded-random.js';
import { mergeSketches, sketchOf, sketchQuantile } from './quantile-sketch.js';

/** The exact quantile with DDSketch's rank convention: the value of rank ⌊q·(n − 1)⌋ in sorted order. */
function exactQuantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(q * (sorted.length - 1))] as number;
}

const random = seededRandom(42);
const latencies = Array.from({ length: 5000 }, () => Math.exp(3.5 + 0.6 * random.normal())); // lognormal, ms
const mixed = Array.from({ length: 3000 }, (_, i) => (i % 7 === 0 ? 0 : (i % 3 === 0 ? -1 : 1) * (1 + ((i * 37) % 500))));
const qs = [0, 0.01, 0.25, 0.5, 0.9, 0.95, 0.99, 1];

describe('a quantile sketch', () => {
  describe.each([
    ['lognormal latencies', latencies],
    ['values of both signs and zeros', mixed],
  ])('of %s', (_name, values) => {
    it.each(qs)('returns quantile %p within 1 % of the exact one', (q) => {
      const exact = exactQuantile(values, q);
      expect(Math.abs(sketchQuantile(sketchOf(values), q) - exact)).toBeLessThanOrEqual(0.01 * Math.abs(exact) + 1e-12);
    });

    it('agrees with the library reading its own sketch', () => {
      const theirs = new sketches.DDSketch({ relativeAccuracy: 0.01 });
      for (const v of values) theirs.accept(v);
      for (const q of qs) expect(sketchQuantile(sketchOf(values), q)).toBe(theirs.getValueAtQuantile(q));
    });
  });

  it('keeps its accuracy guarantee at a coarser setting', () => {
    for (const q of [0.5, 0.95]) {
      const exact = exactQuantile(latencies, q);
      expect(Math.abs(sketchQuantile(sketchOf(latencies, 0.05), q) - exact)).toBeLessThanOrEqual(0.05 * exact);
    }
  });

  describe('when merged', () => {
    const [a, b, c] = [mixed.slice(0, 1000), mixed.slice(1000, 1700), mixed.slice(1700)].map((v) => sketchOf(v));
    if (!a || !b || !c) throw new Error('three parts');

    it('equals the sketch of all the values at once', () => {
      expect(mergeSketches(mergeSketches(a, b), c)).toEqual(sketchOf(mixed));
    });

    it('is associative and commutative', () => {
      expect(mergeSketches(a, mergeSketches(b, c))).toEqual(mergeSketches(mergeSketches(a, b), c));
      expect(mergeSketches(c, mergeSketches(a, b))).toEqual(mergeSketches(mergeSketches(a, b), c));
    });

    it('keeps negative values (the library merge of 2.1.1 loses them)', () => {
      const merged = mergeSketches(sketchOf([1, 2]), sketchOf([-5, -6, -7]));
      expect(sketchQuantile(merged, 0)).toBeCloseTo(-7, 0);
    });

    it('refuses sketches of different accuracy', () => {
      expect(() => mergeSketches(sketchOf([1], 0.01), sketchOf([1], 0.02))).toThrow(InvalidInput);
    });
  });

  it('is empty: NaN for every quantile', () => {
    expect(sketchQuantile(sketchOf([]), 0.5)).toBeNaN();
  });

  it('refuses a quantile outside [0, 1] and a value that is not finite', () => {
    expect(() => sketchQuantile(sketchOf([1]), 1.5)).toThrow(expect.objectContaining({ code: 'sketch.bad-quantile' }));
    expect(() => sketchOf([1, Number.NaN])).toThrow(expect.objectContaining({ code: 'sketch.bad-value' }));
  });
});
